// MODE=lifecycle: a machine's whole tenancy as Juju drives it through
// gomaasapi: AllocateMachine, Machine.Start (op=deploy with base64 user data),
// polling Machines({SystemIDs}) until Deployed, ReleaseMachines, polling until
// Ready. Every status seen on the way is recorded, so the caller can check the
// path (Allocated -> Deploying -> Deployed -> Releasing? -> Ready).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/juju/errors"
	"github.com/juju/gomaasapi"
)

// lifecycleSpec is LIFECYCLE_SPEC: gomaasapi's own argument structs, decoded
// by their Go field names; unknown keys are refused.
type lifecycleSpec struct {
	Allocate gomaasapi.AllocateMachineArgs `json:"allocate"`
	// UserData is the cloud-init user data in clear; the harness base64-encodes
	// it as Juju does (StartArgs.UserData must be base64).
	UserData     string `json:"user_data"`
	DistroSeries string `json:"distro_series"`
	Comment      string `json:"comment"`
	// How long to wait for Deployed and then for Ready (default 120 s each).
	DeployTimeoutSeconds  int `json:"deploy_timeout_seconds"`
	ReleaseTimeoutSeconds int `json:"release_timeout_seconds"`
}

type lifecycleResult struct {
	OK              bool        `json:"ok"`
	Mode            string      `json:"mode"`
	Step            string      `json:"step,omitempty"`
	Error           string      `json:"error,omitempty"`
	ErrorKind       string      `json:"error_kind,omitempty"`
	StatusCode      int         `json:"status_code,omitempty"`
	Allocated       *machineOut `json:"allocated,omitempty"`
	Started         *machineOut `json:"started,omitempty"`
	DeployStatuses  []string    `json:"deploy_statuses,omitempty"`
	Deployed        *machineOut `json:"deployed,omitempty"`
	DeploySeconds   float64     `json:"deploy_seconds,omitempty"`
	ReleaseStatuses []string    `json:"release_statuses,omitempty"`
	Released        *machineOut `json:"released,omitempty"`
	ReleaseSeconds  float64     `json:"release_seconds,omitempty"`
}

func emitLifecycle(r lifecycleResult) {
	emitJSON(r, r.OK)
}

func failLifecycle(r lifecycleResult, step string, err error) {
	r.OK = false
	r.Step = step
	r.Error = errors.Annotate(err, step).Error()
	r.ErrorKind = errorKind(err)
	r.StatusCode = statusOf(err)
	emitLifecycle(r)
}

func readLifecycleSpec() (lifecycleSpec, error) {
	var spec lifecycleSpec
	dec := json.NewDecoder(strings.NewReader(os.Getenv("LIFECYCLE_SPEC")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return spec, errors.Annotate(err, "LIFECYCLE_SPEC")
	}
	if spec.DeployTimeoutSeconds <= 0 {
		spec.DeployTimeoutSeconds = 120
	}
	if spec.ReleaseTimeoutSeconds <= 0 {
		spec.ReleaseTimeoutSeconds = 120
	}
	return spec, nil
}

// waitFor polls the machine until its status is want, recording each status
// it shows (once per change). A status in failed ends the wait with an error.
func waitFor(controller gomaasapi.Controller, systemID, want string, failed []string,
	timeout time.Duration, seen *[]string) (gomaasapi.Machine, error) {
	deadline := time.Now().Add(timeout)
	for {
		ms, err := controller.Machines(gomaasapi.MachinesArgs{SystemIDs: []string{systemID}})
		if err != nil {
			return nil, err
		}
		if len(ms) != 1 {
			return nil, fmt.Errorf("Machines(SystemIDs: %s) returned %d machines", systemID, len(ms))
		}
		m := ms[0]
		status := m.StatusName()
		if len(*seen) == 0 || (*seen)[len(*seen)-1] != status {
			*seen = append(*seen, status)
		}
		if status == want {
			return m, nil
		}
		for _, f := range failed {
			if status == f {
				return m, fmt.Errorf("machine %s reached %q (%s) waiting for %q", systemID, status, m.StatusMessage(), want)
			}
		}
		if time.Now().After(deadline) {
			return m, fmt.Errorf("machine %s still %q after %s waiting for %q", systemID, status, timeout, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func runLifecycle(controller gomaasapi.Controller) {
	r := lifecycleResult{Mode: "lifecycle"}
	spec, err := readLifecycleSpec()
	if err != nil {
		failLifecycle(r, "spec", err)
	}

	// POST machines/?op=allocate
	if err := spec.Allocate.Validate(); err != nil {
		failLifecycle(r, "allocate", err)
	}
	machine, _, err := controller.AllocateMachine(spec.Allocate)
	if err != nil {
		failLifecycle(r, "allocate", err)
	}
	allocated := machineOf(machine)
	r.Allocated = &allocated

	// POST machines/<id>/?op=deploy user_data=<base64> distro_series=…
	started := time.Now()
	err = machine.Start(gomaasapi.StartArgs{
		UserData:     base64.StdEncoding.EncodeToString([]byte(spec.UserData)),
		DistroSeries: spec.DistroSeries,
		Comment:      spec.Comment,
	})
	if err != nil {
		failLifecycle(r, "start", err)
	}
	afterStart := machineOf(machine)
	r.Started = &afterStart

	deployed, err := waitFor(controller, machine.SystemID(), "Deployed",
		[]string{"Failed deployment", "Broken"}, time.Duration(spec.DeployTimeoutSeconds)*time.Second, &r.DeployStatuses)
	if deployed != nil {
		d := machineOf(deployed)
		r.Deployed = &d
	}
	if err != nil {
		failLifecycle(r, "wait deployed", err)
	}
	r.DeploySeconds = time.Since(started).Seconds()

	// POST machines/?op=release machines=<id>
	released := time.Now()
	err = controller.ReleaseMachines(gomaasapi.ReleaseMachinesArgs{
		SystemIDs: []string{machine.SystemID()},
		Comment:   spec.Comment,
	})
	if err != nil {
		failLifecycle(r, "release", err)
	}
	ready, err := waitFor(controller, machine.SystemID(), "Ready",
		[]string{"Failed releasing", "Failed disk erasing", "Broken"},
		time.Duration(spec.ReleaseTimeoutSeconds)*time.Second, &r.ReleaseStatuses)
	if ready != nil {
		m := machineOf(ready)
		r.Released = &m
	}
	if err != nil {
		failLifecycle(r, "wait ready", err)
	}
	r.ReleaseSeconds = time.Since(released).Seconds()
	r.OK = true
	emitLifecycle(r)
}
