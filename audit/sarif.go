package audit

import (
	"encoding/json"
	"io"
	"strings"
)

// SARIF 2.1.0, the format GitHub code scanning reads: only the parts a
// linter's log needs, written with encoding/json.

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string        `json:"id"`
	ShortDescription     sarifText     `json:"shortDescription"`
	Help                 sarifText     `json:"help"`
	DefaultConfiguration sarifConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleTags `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleTags struct {
	Tags []string `json:"tags,omitempty"`
	// SecuritySeverity is GitHub's 0-10 score for security rules.
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties *sarifResultTag `json:"properties,omitempty"`
}

type sarifResultTag struct {
	Heuristic bool `json:"heuristic"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// sarifLevel maps a severity onto SARIF's levels.
func sarifLevel(s Severity) string {
	switch s {
	case SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "note"
}

// securityScore is GitHub's security-severity for a rule's severity.
func securityScore(s Severity) string {
	switch s {
	case SeverityHigh:
		return "8.0"
	case SeverityMedium:
		return "5.0"
	}
	return "2.0"
}

// WriteSARIF writes findings as a SARIF 2.1.0 log. File paths relative to
// the audited directory are given against %SRCROOT%, as code scanning
// expects for paths relative to the repository root.
func WriteSARIF(w io.Writer, findings []Finding, toolVersion string) error {
	rules := Rules()
	index := map[string]int{}
	driver := sarifDriver{Name: "faultline audit", Version: toolVersion,
		InformationURI: "https://github.com/faultline-dev/faultline/blob/main/docs/audit.md"}
	for i, r := range rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{Text: r.Summary},
			Help:                 sarifText{Text: r.Fix},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
			Properties:           sarifRuleTags{Tags: []string{"reliability", "security"}, SecuritySeverity: securityScore(r.Severity)},
		})
	}
	results := []sarifResult{}
	for _, f := range findings {
		loc := sarifArtifact{URI: f.File}
		if !strings.HasPrefix(f.File, "/") {
			loc.URIBaseID = "%SRCROOT%"
		}
		res := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
			Message:   sarifText{Text: f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: loc, Region: sarifRegion{StartLine: f.Line, StartColumn: f.Column}}}}}
		if f.Heuristic {
			res.Properties = &sarifResultTag{Heuristic: true}
		}
		results = append(results, res)
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
