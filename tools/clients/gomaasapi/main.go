// gomaasapi-client: a tiny real-client harness that drives Juju's Go MAAS
// client library (github.com/juju/gomaasapi, Debian package
// golang-github-juju-gomaasapi-dev 2.0.0) against a MAAS-compatible server.
//
// Environment:
//
//	MAAS_URL          base URL, e.g. http://127.0.0.1:5240/MAAS/ (may also
//	                  end in api/2.0/)
//	MAAS_API_KEY      consumer_key:token_key:token_secret
//	MODE              "" / "ok" (default): expect success
//	                  "badkey": expect gomaasapi to report an auth failure
//	                            (PermissionError from users/?op=whoami -> 401)
//	                  "badformat": expect gomaasapi to reject a malformed key
//	                            locally (errors.NotValid); no request is sent
//	MAAS_BAD_API_KEY  key used in badkey mode; default: MAAS_API_KEY with its
//	                  token_secret replaced, or "bad:bad:bad" if no key given
//	CALLS             comma list of extra list calls in ok mode; default
//	                  "zones". Supported: zones, pools.
//	SKIP_V1_WHOAMI    "1" to skip the legacy v1-style whoami call
//	TIMEOUT_SECONDS   per-request HTTP timeout (default 20)
//	TRACE             "1" to log every request/response of gomaasapi on stderr
//
// Output: exactly one JSON line on stdout. Exit status 0 when the outcome
// matches MODE, 1 otherwise.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/juju/errors"
	"github.com/juju/gomaasapi"
	"github.com/juju/loggo"
)

type zoneOut struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type result struct {
	OK             bool       `json:"ok"`
	Mode           string     `json:"mode"`
	Error          string     `json:"error,omitempty"`
	ErrorKind      string     `json:"error_kind,omitempty"`
	AuthFailed     bool       `json:"auth_failed,omitempty"`
	StatusCode     int        `json:"status_code,omitempty"`
	Version        string     `json:"version,omitempty"`
	Subversion     string     `json:"subversion,omitempty"`
	Capabilities   []string   `json:"capabilities,omitempty"`
	Zones          *[]string  `json:"zones,omitempty"`
	ZoneDetails    *[]zoneOut `json:"zone_details,omitempty"`
	Pools          *[]string  `json:"pools,omitempty"`
	WhoamiUsername string     `json:"whoami_username,omitempty"`
	WhoamiFields   []string   `json:"whoami_fields,omitempty"`
}

func emit(r result) {
	b, err := json.Marshal(r)
	if err != nil {
		fmt.Printf("{\"ok\":false,\"error\":%q}\n", err.Error())
		os.Exit(1)
	}
	fmt.Println(string(b))
	if r.OK {
		os.Exit(0)
	}
	os.Exit(1)
}

// errorKind names the gomaasapi error class of err.
func errorKind(err error) string {
	switch {
	case gomaasapi.IsPermissionError(err):
		return "PermissionError"
	case gomaasapi.IsUnsupportedVersionError(err):
		return "UnsupportedVersionError"
	case gomaasapi.IsDeserializationError(err):
		return "DeserializationError"
	case gomaasapi.IsUnexpectedError(err):
		return "UnexpectedError"
	case gomaasapi.IsBadRequestError(err):
		return "BadRequestError"
	case gomaasapi.IsNoMatchError(err):
		return "NoMatchError"
	case gomaasapi.IsCannotCompleteError(err):
		return "CannotCompleteError"
	case errors.IsNotValid(err):
		return "NotValid"
	}
	return "other"
}

func fail(r result, err error) {
	r.OK = false
	r.Error = err.Error()
	r.ErrorKind = errorKind(err)
	r.StatusCode = statusOf(err)
	emit(r)
}

// statusOf digs the HTTP status of a non-2xx reply out of err's chain
// (gomaasapi wraps its ServerError in PermissionError, UnexpectedError, ...).
func statusOf(err error) int {
	var svr gomaasapi.ServerError
	if errors.As(err, &svr) {
		return svr.StatusCode
	}
	return 0
}

func badKeyFrom(good string) string {
	if k := os.Getenv("MAAS_BAD_API_KEY"); k != "" {
		return k
	}
	parts := strings.Split(good, ":")
	if len(parts) == 3 {
		return parts[0] + ":" + parts[1] + ":" + "not-the-right-secret"
	}
	return "bad:bad:bad"
}

func main() {
	mode := os.Getenv("MODE")
	if mode == "" {
		mode = "ok"
	}
	r := result{Mode: mode}

	if os.Getenv("TRACE") == "1" {
		loggo.ConfigureLoggers("<root>=WARNING;maas=TRACE")
	}

	baseURL := os.Getenv("MAAS_URL")
	if baseURL == "" {
		fail(r, fmt.Errorf("MAAS_URL is not set"))
	}
	apiKey := os.Getenv("MAAS_API_KEY")

	timeout := 20
	if s := os.Getenv("TIMEOUT_SECONDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			timeout = n
		}
	}
	httpClient := &http.Client{Timeout: time.Duration(timeout) * time.Second}

	switch mode {
	case "ok":
		if apiKey == "" {
			fail(r, fmt.Errorf("MAAS_API_KEY is not set"))
		}
	case "badkey":
		apiKey = badKeyFrom(apiKey)
	case "badformat":
		apiKey = "not-a-maas-key"
	default:
		fail(r, fmt.Errorf("unknown MODE %q (want ok, badkey or badformat)", mode))
	}

	// NewController: GET api/2.0/version/ then GET api/2.0/users/?op=whoami.
	controller, err := gomaasapi.NewController(gomaasapi.ControllerArgs{
		BaseURL:    baseURL,
		APIKey:     apiKey,
		HTTPClient: httpClient,
	})

	switch mode {
	case "badkey":
		if err == nil {
			fail(r, fmt.Errorf("NewController succeeded with a bad API key; expected PermissionError"))
		}
		r.Error = err.Error()
		r.ErrorKind = errorKind(err)
		r.StatusCode = statusOf(err)
		r.AuthFailed = gomaasapi.IsPermissionError(err)
		r.OK = r.AuthFailed
		emit(r)
	case "badformat":
		if err == nil {
			fail(r, fmt.Errorf("NewController accepted a malformed API key"))
		}
		r.Error = err.Error()
		r.ErrorKind = errorKind(err)
		r.OK = errors.IsNotValid(err)
		emit(r)
	}

	if err != nil {
		fail(r, err)
	}

	caps := controller.Capabilities().Values()
	sort.Strings(caps)
	r.Capabilities = caps

	// Another GET api/2.0/version/.
	version, subversion, err := controller.APIVersionInfo()
	if err != nil {
		fail(r, errors.Annotate(err, "APIVersionInfo"))
	}
	r.Version = version
	r.Subversion = subversion

	calls := os.Getenv("CALLS")
	if calls == "" {
		calls = "zones"
	}
	for _, call := range strings.Split(calls, ",") {
		switch strings.TrimSpace(call) {
		case "":
		case "zones":
			zones, err := controller.Zones() // GET api/2.0/zones/
			if err != nil {
				fail(r, errors.Annotate(err, "Zones"))
			}
			names, details := []string{}, []zoneOut{}
			for _, z := range zones {
				names = append(names, z.Name())
				details = append(details, zoneOut{Name: z.Name(), Description: z.Description()})
			}
			r.Zones, r.ZoneDetails = &names, &details
		case "pools":
			pools, err := controller.Pools() // GET api/2.0/pools/
			if err != nil {
				fail(r, errors.Annotate(err, "Pools"))
			}
			names := []string{}
			for _, p := range pools {
				names = append(names, p.Name())
			}
			r.Pools = &names
		default:
			fail(r, fmt.Errorf("unknown entry %q in CALLS (want zones, pools)", call))
		}
	}

	// Legacy (v1-style) API: NewAuthenticatedClient + MAASObject navigation.
	// GET api/2.0/users/?op=whoami, and read "username" from the reply.
	if os.Getenv("SKIP_V1_WHOAMI") != "1" {
		base, ver, hasVersion := gomaasapi.SplitVersionedURL(baseURL)
		if !hasVersion {
			ver = "2.0"
		}
		client, err := gomaasapi.NewAuthenticatedClient(gomaasapi.AddAPIVersionToURL(base, ver), apiKey)
		if err != nil {
			fail(r, errors.Annotate(err, "NewAuthenticatedClient"))
		}
		client.HTTPClient = httpClient
		maas := gomaasapi.NewMAAS(*client)
		who, err := maas.GetSubObject("users").CallGet("whoami", nil)
		if err != nil {
			fail(r, errors.Annotate(err, "v1 whoami"))
		}
		m, err := who.GetMap()
		if err != nil {
			fail(r, errors.Annotate(err, "v1 whoami: reply is not a JSON object"))
		}
		for k := range m {
			r.WhoamiFields = append(r.WhoamiFields, k)
		}
		sort.Strings(r.WhoamiFields)
		u, ok := m["username"]
		if !ok {
			fail(r, fmt.Errorf("v1 whoami: reply has no \"username\" field"))
		}
		name, err := u.GetString()
		if err != nil {
			fail(r, errors.Annotate(err, "v1 whoami: \"username\" is not a string"))
		}
		r.WhoamiUsername = name
	}

	r.OK = true
	emit(r)
}
