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
//	                  "machines": drive the Controller machines API as
//	                            MACHINES_SPEC says: Machines(filters),
//	                            AllocateMachine(constraints), a no-match
//	                            AllocateMachine, ReleaseMachines
//	                  "networks": Spaces, Fabrics, StaticRoutes, then a
//	                            container device as Juju makes one (see
//	                            networks.go)
//	MACHINES_SPEC     MODE=machines only: a JSON object, see machinesSpec
//	                  "lifecycle": AllocateMachine, Machine.Start (deploy
//	                            with user data), wait for Deployed,
//	                            ReleaseMachines, wait for Ready (see
//	                            lifecycle.go)
//	NETWORKS_SPEC     MODE=networks only: a JSON object, see networksSpec
//	LIFECYCLE_SPEC    MODE=lifecycle only: a JSON object, see lifecycleSpec
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

	// MODE=machines.
	Step             string                  `json:"step,omitempty"`
	Lists            map[string][]machineOut `json:"lists,omitempty"`
	Allocated        *machineOut             `json:"allocated,omitempty"`
	StorageMatches   map[string][]storageOut `json:"storage_matches,omitempty"`
	InterfaceMatches map[string][]int        `json:"interface_matches,omitempty"`
	AllocatedByAgent *[]machineOut           `json:"allocated_by_agent,omitempty"`
	NoMatch          *noMatchOut             `json:"no_match,omitempty"`
	ReleaseOK        *bool                   `json:"release_ok,omitempty"`
	ReleaseError     string                  `json:"release_error,omitempty"`
	ReleaseErrorKind string                  `json:"release_error_kind,omitempty"`
	AfterRelease     *[]machineOut           `json:"after_release,omitempty"`
	ListsAfter       map[string][]machineOut `json:"lists_after,omitempty"`
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
	case "machines", "networks", "lifecycle":
		if apiKey == "" {
			fail(r, fmt.Errorf("MAAS_API_KEY is not set"))
		}
	default:
		fail(r, fmt.Errorf("unknown MODE %q (want ok, badkey, badformat, machines, networks or lifecycle)", mode))
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

	if mode == "machines" {
		runMachines(controller, r)
	}
	if mode == "networks" {
		runNetworks(controller)
	}
	if mode == "lifecycle" {
		runLifecycle(controller)
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

// ---- MODE=machines ---------------------------------------------------------

// machinesSpec is MACHINES_SPEC. The argument objects are gomaasapi's own
// structs, decoded by encoding/json with their Go field names (e.g.
// {"Hostnames":["a"],"Zone":"z"}, {"MinCPUCount":4,"Storage":[{"Label":
// "root","Size":50,"Tags":["ssd"]}]}); unknown keys are refused.
//
// The steps run in this order; any failure ends the run (exit 1) with what
// was seen so far and "step" naming the failed step:
//  1. lists: controller.Machines(args) for each entry, recorded by name.
//  2. allocate: controller.AllocateMachine(args), recording the machine and
//     the ConstraintMatches; then controller.Machines({AgentName}) when the
//     args name an agent.
//  3. no_match: controller.AllocateMachine(args), which must fail with an
//     error satisfying gomaasapi.IsNoMatchError (MAAS's 409).
//  4. release: controller.ReleaseMachines(args); empty SystemIDs means the
//     machine of step 2. Then controller.Machines({SystemIDs}).
//  5. lists_after: like lists, run last, recorded in lists_after.
type machinesSpec struct {
	Lists      []namedMachinesArgs            `json:"lists"`
	Allocate   *gomaasapi.AllocateMachineArgs `json:"allocate"`
	NoMatch    *gomaasapi.AllocateMachineArgs `json:"no_match"`
	Release    *gomaasapi.ReleaseMachinesArgs `json:"release"`
	ListsAfter []namedMachinesArgs            `json:"lists_after"`
}

type namedMachinesArgs struct {
	Name string                 `json:"name"`
	Args gomaasapi.MachinesArgs `json:"args"`
}

type blockDeviceOut struct {
	ID        int      `json:"id"`
	Name      string   `json:"name"`
	Path      string   `json:"path"`
	Size      uint64   `json:"size"`
	BlockSize uint64   `json:"block_size"`
	UsedSize  uint64   `json:"used_size"`
	UsedFor   string   `json:"used_for"`
	Model     string   `json:"model"`
	IDPath    string   `json:"id_path"`
	Tags      []string `json:"tags"`
}

type interfaceOut struct {
	ID         int      `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Enabled    bool     `json:"enabled"`
	MACAddress string   `json:"mac_address"`
	MTU        int      `json:"effective_mtu"`
	Tags       []string `json:"tags"`
}

// machineOut is what gomaasapi's Machine interface returns for a machine.
type machineOut struct {
	SystemID             string            `json:"system_id"`
	Hostname             string            `json:"hostname"`
	FQDN                 string            `json:"fqdn"`
	StatusName           string            `json:"status_name"`
	StatusMessage        string            `json:"status_message"`
	Zone                 string            `json:"zone"`
	Pool                 *string           `json:"pool"`
	Tags                 []string          `json:"tags"`
	CPUCount             int               `json:"cpu_count"`
	Memory               int               `json:"memory"`
	Architecture         string            `json:"architecture"`
	OperatingSystem      string            `json:"osystem"`
	DistroSeries         string            `json:"distro_series"`
	PowerState           string            `json:"power_state"`
	IPAddresses          []string          `json:"ip_addresses"`
	OwnerData            map[string]string `json:"owner_data"`
	HardwareInfoKeys     int               `json:"hardware_info_keys"`
	BootInterface        *string           `json:"boot_interface"`
	Interfaces           []interfaceOut    `json:"interfaces"`
	BlockDevices         []blockDeviceOut  `json:"block_devices"`
	PhysicalBlockDevices []int             `json:"physical_block_device_ids"`
}

// storageOut is one StorageDevice of ConstraintMatches.Storage.
type storageOut struct {
	ID   int      `json:"id"`
	Type string   `json:"type"`
	Name string   `json:"name,omitempty"`
	Path string   `json:"path"`
	Size uint64   `json:"size"`
	Tags []string `json:"tags"`
}

type noMatchOut struct {
	Recognised bool   `json:"recognised"`
	Error      string `json:"error"`
	ErrorKind  string `json:"error_kind"`
	StatusCode int    `json:"status_code,omitempty"`
	// Set only when the allocation unexpectedly succeeded.
	Machine *machineOut `json:"machine,omitempty"`
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func blockDeviceOf(d gomaasapi.BlockDevice) blockDeviceOut {
	return blockDeviceOut{
		ID:        d.ID(),
		Name:      d.Name(),
		Path:      d.Path(),
		Size:      d.Size(),
		BlockSize: d.BlockSize(),
		UsedSize:  d.UsedSize(),
		UsedFor:   d.UsedFor(),
		Model:     d.Model(),
		IDPath:    d.IDPath(),
		Tags:      strs(d.Tags()),
	}
}

func machineOf(m gomaasapi.Machine) machineOut {
	out := machineOut{
		SystemID:             m.SystemID(),
		Hostname:             m.Hostname(),
		FQDN:                 m.FQDN(),
		StatusName:           m.StatusName(),
		StatusMessage:        m.StatusMessage(),
		Tags:                 strs(m.Tags()),
		CPUCount:             m.CPUCount(),
		Memory:               m.Memory(),
		Architecture:         m.Architecture(),
		OperatingSystem:      m.OperatingSystem(),
		DistroSeries:         m.DistroSeries(),
		PowerState:           m.PowerState(),
		IPAddresses:          strs(m.IPAddresses()),
		OwnerData:            m.OwnerData(),
		HardwareInfoKeys:     len(m.HardwareInfo()),
		Interfaces:           []interfaceOut{},
		BlockDevices:         []blockDeviceOut{},
		PhysicalBlockDevices: []int{},
	}
	if out.OwnerData == nil {
		out.OwnerData = map[string]string{}
	}
	if z := m.Zone(); z != nil {
		out.Zone = z.Name()
	}
	if p := m.Pool(); p != nil {
		name := p.Name()
		out.Pool = &name
	}
	if b := m.BootInterface(); b != nil {
		name := b.Name()
		out.BootInterface = &name
	}
	for _, i := range m.InterfaceSet() {
		out.Interfaces = append(out.Interfaces, interfaceOut{
			ID:         i.ID(),
			Name:       i.Name(),
			Type:       i.Type(),
			Enabled:    i.Enabled(),
			MACAddress: i.MACAddress(),
			MTU:        i.EffectiveMTU(),
			Tags:       strs(i.Tags()),
		})
	}
	for _, d := range m.BlockDevices() {
		out.BlockDevices = append(out.BlockDevices, blockDeviceOf(d))
	}
	for _, d := range m.PhysicalBlockDevices() {
		out.PhysicalBlockDevices = append(out.PhysicalBlockDevices, d.ID())
	}
	return out
}

func machinesOf(ms []gomaasapi.Machine) []machineOut {
	out := []machineOut{}
	for _, m := range ms {
		out = append(out, machineOf(m))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Hostname < out[j].Hostname })
	return out
}

func readMachinesSpec() (machinesSpec, error) {
	var spec machinesSpec
	text := os.Getenv("MACHINES_SPEC")
	if strings.TrimSpace(text) == "" {
		text = `{"lists":[{"name":"all","args":{}}]}`
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return spec, errors.Annotate(err, "MACHINES_SPEC")
	}
	for i, l := range append(append([]namedMachinesArgs{}, spec.Lists...), spec.ListsAfter...) {
		if l.Name == "" {
			return spec, fmt.Errorf("MACHINES_SPEC: list %d has no name", i)
		}
	}
	return spec, nil
}

// failAt ends the run at step with err, keeping what was seen so far.
func failAt(r result, step string, err error) {
	r.Step = step
	fail(r, errors.Annotate(err, step))
}

func runMachines(controller gomaasapi.Controller, r result) {
	spec, err := readMachinesSpec()
	if err != nil {
		failAt(r, "spec", err)
	}

	// 1. Machines(filters): GET machines/?hostname=…&id=…&zone=…&agent_name=…&tags=…
	r.Lists = map[string][]machineOut{}
	for _, l := range spec.Lists {
		ms, err := controller.Machines(l.Args)
		if err != nil {
			failAt(r, "list "+l.Name, err)
		}
		r.Lists[l.Name] = machinesOf(ms)
	}

	// 2. AllocateMachine(constraints): POST machines/?op=allocate.
	allocatedID := ""
	if spec.Allocate != nil {
		if err := spec.Allocate.Validate(); err != nil {
			failAt(r, "allocate", err)
		}
		m, matches, err := controller.AllocateMachine(*spec.Allocate)
		if err != nil {
			failAt(r, "allocate", err)
		}
		out := machineOf(m)
		r.Allocated = &out
		allocatedID = m.SystemID()
		r.StorageMatches = map[string][]storageOut{}
		for label, devices := range matches.Storage {
			list := []storageOut{}
			for _, d := range devices {
				s := storageOut{ID: d.ID(), Type: d.Type(), Path: d.Path(), Size: d.Size(), Tags: strs(d.Tags())}
				if b, ok := d.(gomaasapi.BlockDevice); ok {
					s.Name = b.Name()
				}
				list = append(list, s)
			}
			r.StorageMatches[label] = list
		}
		r.InterfaceMatches = map[string][]int{}
		for label, ifaces := range matches.Interfaces {
			ids := []int{}
			for _, i := range ifaces {
				ids = append(ids, i.ID())
			}
			r.InterfaceMatches[label] = ids
		}
		if spec.Allocate.AgentName != "" {
			ms, err := controller.Machines(gomaasapi.MachinesArgs{AgentName: spec.Allocate.AgentName})
			if err != nil {
				failAt(r, "list by agent_name after allocate", err)
			}
			list := machinesOf(ms)
			r.AllocatedByAgent = &list
		}
	}

	// 3. A no-match AllocateMachine: MAAS answers 409, gomaasapi makes it a NoMatchError.
	noMatchOK := true
	if spec.NoMatch != nil {
		m, _, err := controller.AllocateMachine(*spec.NoMatch)
		nm := &noMatchOut{}
		if err == nil {
			out := machineOf(m)
			nm.Machine = &out
			nm.Error = "AllocateMachine succeeded; expected a NoMatchError"
		} else {
			nm.Error = err.Error()
			nm.ErrorKind = errorKind(err)
			nm.StatusCode = statusOf(err)
			nm.Recognised = gomaasapi.IsNoMatchError(err)
		}
		r.NoMatch = nm
		noMatchOK = nm.Recognised
	}

	// 4. ReleaseMachines: POST machines/?op=release machines=<id>…
	if spec.Release != nil {
		args := *spec.Release
		if len(args.SystemIDs) == 0 {
			if allocatedID == "" {
				failAt(r, "release", fmt.Errorf("release has no SystemIDs and nothing was allocated"))
			}
			args.SystemIDs = []string{allocatedID}
		}
		err := controller.ReleaseMachines(args)
		ok := err == nil
		r.ReleaseOK = &ok
		if err != nil {
			r.ReleaseError = err.Error()
			r.ReleaseErrorKind = errorKind(err)
			failAt(r, "release", err)
		}
		ms, err := controller.Machines(gomaasapi.MachinesArgs{SystemIDs: args.SystemIDs})
		if err != nil {
			failAt(r, "list after release", err)
		}
		list := machinesOf(ms)
		r.AfterRelease = &list
	}

	// 5. More Machines(filters), after everything else.
	if spec.ListsAfter != nil {
		r.ListsAfter = map[string][]machineOut{}
	}
	for _, l := range spec.ListsAfter {
		ms, err := controller.Machines(l.Args)
		if err != nil {
			failAt(r, "lists_after "+l.Name, err)
		}
		r.ListsAfter[l.Name] = machinesOf(ms)
	}

	if !noMatchOK {
		r.Step = "no_match"
		r.Error = "the no-match AllocateMachine was not reported as gomaasapi.IsNoMatchError"
		r.ErrorKind = r.NoMatch.ErrorKind
		emit(r)
	}
	r.OK = true
	emit(r)
}
