package ignore

import "net/http"

func noReason(url string) {
	//faultline:ignore http-no-timeout // want `needs a reason`
	resp, err := http.Get(url) // want `http.Get sends through http.DefaultClient`
	if err == nil {
		resp.Body.Close()
	}
}

func unknownRule(url string) {
	//faultline:ignore no-such-rule because // want `no-such-rule: no such rule`
	resp, err := http.Get(url) // want `http.Get sends`
	if err == nil {
		resp.Body.Close()
	}
}

func wrongRule(url string) {
	resp, err := http.Get(url) //faultline:ignore tls-insecure names another rule // want `http.Get sends`
	if err == nil {
		resp.Body.Close()
	}
}

func sameLine(url string) {
	resp, err := http.Get(url) //faultline:ignore http-no-timeout a one-shot CLI probe the user can interrupt
	if err == nil {
		resp.Body.Close()
	}
}
