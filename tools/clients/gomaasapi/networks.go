// MODE=networks: what Juju does with a MAAS's network model when it places
// containers. It reads spaces (each with its subnets), fabrics (each with its
// VLANs) and static routes, then, on a parent machine, does what Juju's
// provisioner does for a container: Machine.CreateDevice (POST devices/ with
// the parent, PUT of the interface's name and VLAN, link_subnet STATIC with an
// address MAAS picks), optionally Device.CreateInterface + LinkSubnet for a
// second NIC, reads the device back with Devices({SystemIDs}) and, when asked,
// deletes it and checks it is gone.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/juju/errors"
	"github.com/juju/gomaasapi"
)

// networksSpec is NETWORKS_SPEC (JSON; unknown keys refused).
type networksSpec struct {
	// Parent is the system_id of the machine the container device belongs to.
	Parent string `json:"parent"`
	// Device is created with Machine.CreateDevice; skipped when empty.
	Device *struct {
		Hostname      string `json:"hostname"`
		InterfaceName string `json:"interface_name"`
		MACAddress    string `json:"mac_address"`
		// SubnetCIDR names the subnet (found in Spaces()) to link STATIC to.
		SubnetCIDR string `json:"subnet_cidr"`
	} `json:"device"`
	// SecondNIC is added with Device.CreateInterface on the subnet's VLAN,
	// then linked with LinkSubnet (mode as given: STATIC, DHCP, LINK_UP, AUTO).
	SecondNIC *struct {
		Name       string `json:"name"`
		MACAddress string `json:"mac_address"`
		SubnetCIDR string `json:"subnet_cidr"`
		Mode       string `json:"mode"`
		IPAddress  string `json:"ip_address"`
	} `json:"second_nic"`
	// Delete the device at the end and check Devices() no longer lists it.
	Delete bool `json:"delete"`
}

type vlanOut struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Fabric        string `json:"fabric"`
	VID           int    `json:"vid"`
	MTU           int    `json:"mtu"`
	DHCP          bool   `json:"dhcp"`
	PrimaryRack   string `json:"primary_rack"`
	SecondaryRack string `json:"secondary_rack"`
}

type subnetOut struct {
	ID         int      `json:"id"`
	Name       string   `json:"name"`
	Space      string   `json:"space"`
	CIDR       string   `json:"cidr"`
	Gateway    string   `json:"gateway"`
	DNSServers []string `json:"dns_servers"`
	VLAN       *vlanOut `json:"vlan"`
}

type spaceOut struct {
	ID      int         `json:"id"`
	Name    string      `json:"name"`
	Subnets []subnetOut `json:"subnets"`
}

type fabricOut struct {
	ID        int       `json:"id"`
	Name      string    `json:"name"`
	ClassType string    `json:"class_type"`
	VLANs     []vlanOut `json:"vlans"`
}

type routeOut struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	GatewayIP   string `json:"gateway_ip"`
	Metric      int    `json:"metric"`
}

type linkOut struct {
	ID        int    `json:"id"`
	Mode      string `json:"mode"`
	Subnet    string `json:"subnet"`
	IPAddress string `json:"ip_address"`
}

type deviceInterfaceOut struct {
	ID         int       `json:"id"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	MACAddress string    `json:"mac_address"`
	VLAN       *vlanOut  `json:"vlan"`
	Links      []linkOut `json:"links"`
}

type deviceOut struct {
	SystemID    string               `json:"system_id"`
	Hostname    string               `json:"hostname"`
	FQDN        string               `json:"fqdn"`
	Parent      string               `json:"parent"`
	Owner       string               `json:"owner"`
	Zone        string               `json:"zone"`
	IPAddresses []string             `json:"ip_addresses"`
	Interfaces  []deviceInterfaceOut `json:"interfaces"`
}

type networksResult struct {
	OK           bool        `json:"ok"`
	Mode         string      `json:"mode"`
	Step         string      `json:"step,omitempty"`
	Error        string      `json:"error,omitempty"`
	ErrorKind    string      `json:"error_kind,omitempty"`
	StatusCode   int         `json:"status_code,omitempty"`
	Spaces       []spaceOut  `json:"spaces"`
	Fabrics      []fabricOut `json:"fabrics"`
	StaticRoutes []routeOut  `json:"static_routes"`
	Created      *deviceOut  `json:"created,omitempty"`
	Device       *deviceOut  `json:"device,omitempty"`
	DeletedGone  *bool       `json:"deleted_gone,omitempty"`
}

func emitNetworks(r networksResult) {
	emitJSON(r, r.OK)
}

// emitJSON prints v as the harness's one JSON line and exits 0 when ok, else 1.
func emitJSON(v interface{}, ok bool) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Printf("{\"ok\":false,\"error\":%q}\n", err.Error())
		os.Exit(1)
	}
	fmt.Println(string(b))
	if ok {
		os.Exit(0)
	}
	os.Exit(1)
}

func failNetworks(r networksResult, step string, err error) {
	r.OK = false
	r.Step = step
	r.Error = fmt.Sprintf("%s: %s", step, err.Error())
	r.ErrorKind = errorKind(err)
	r.StatusCode = statusOf(err)
	emitNetworks(r)
}

func vlanOf(v gomaasapi.VLAN) *vlanOut {
	if v == nil {
		return nil
	}
	return &vlanOut{ID: v.ID(), Name: v.Name(), Fabric: v.Fabric(), VID: v.VID(), MTU: v.MTU(), DHCP: v.DHCP(),
		PrimaryRack: v.PrimaryRack(), SecondaryRack: v.SecondaryRack()}
}

func subnetOf(s gomaasapi.Subnet) subnetOut {
	return subnetOut{ID: s.ID(), Name: s.Name(), Space: s.Space(), CIDR: s.CIDR(), Gateway: s.Gateway(),
		DNSServers: strs(s.DNSServers()), VLAN: vlanOf(s.VLAN())}
}

func deviceOf(d gomaasapi.Device) *deviceOut {
	out := &deviceOut{SystemID: d.SystemID(), Hostname: d.Hostname(), FQDN: d.FQDN(), Parent: d.Parent(),
		Owner: d.Owner(), IPAddresses: strs(d.IPAddresses()), Interfaces: []deviceInterfaceOut{}}
	if z := d.Zone(); z != nil {
		out.Zone = z.Name()
	}
	for _, i := range d.InterfaceSet() {
		io := deviceInterfaceOut{ID: i.ID(), Name: i.Name(), Type: i.Type(), MACAddress: i.MACAddress(),
			VLAN: vlanOf(i.VLAN()), Links: []linkOut{}}
		for _, l := range i.Links() {
			lo := linkOut{ID: l.ID(), Mode: l.Mode(), IPAddress: l.IPAddress()}
			if s := l.Subnet(); s != nil {
				lo.Subnet = s.CIDR()
			}
			io.Links = append(io.Links, lo)
		}
		out.Interfaces = append(out.Interfaces, io)
	}
	return out
}

func readNetworksSpec() (networksSpec, error) {
	var spec networksSpec
	text := os.Getenv("NETWORKS_SPEC")
	if text == "" {
		return spec, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return spec, errors.Annotate(err, "NETWORKS_SPEC")
	}
	return spec, nil
}

func runNetworks(controller gomaasapi.Controller) {
	r := networksResult{Mode: "networks", Spaces: []spaceOut{}, Fabrics: []fabricOut{}, StaticRoutes: []routeOut{}}
	spec, err := readNetworksSpec()
	if err != nil {
		failNetworks(r, "spec", err)
	}

	spaces, err := controller.Spaces() // GET spaces/
	if err != nil {
		failNetworks(r, "spaces", err)
	}
	subnets := map[string]gomaasapi.Subnet{}
	for _, s := range spaces {
		so := spaceOut{ID: s.ID(), Name: s.Name(), Subnets: []subnetOut{}}
		for _, sub := range s.Subnets() {
			so.Subnets = append(so.Subnets, subnetOf(sub))
			subnets[sub.CIDR()] = sub
		}
		r.Spaces = append(r.Spaces, so)
	}
	sort.Slice(r.Spaces, func(a, b int) bool { return r.Spaces[a].Name < r.Spaces[b].Name })

	fabrics, err := controller.Fabrics() // GET fabrics/
	if err != nil {
		failNetworks(r, "fabrics", err)
	}
	for _, f := range fabrics {
		fo := fabricOut{ID: f.ID(), Name: f.Name(), ClassType: f.ClassType(), VLANs: []vlanOut{}}
		for _, v := range f.VLANs() {
			fo.VLANs = append(fo.VLANs, *vlanOf(v))
		}
		r.Fabrics = append(r.Fabrics, fo)
	}
	sort.Slice(r.Fabrics, func(a, b int) bool { return r.Fabrics[a].ID < r.Fabrics[b].ID })

	routes, err := controller.StaticRoutes() // GET static-routes/
	if err != nil {
		failNetworks(r, "static routes", err)
	}
	for _, rt := range routes {
		r.StaticRoutes = append(r.StaticRoutes, routeOut{Source: rt.Source().CIDR(),
			Destination: rt.Destination().CIDR(), GatewayIP: rt.GatewayIP(), Metric: rt.Metric()})
	}

	if spec.Device == nil {
		r.OK = true
		emitNetworks(r)
	}
	machines, err := controller.Machines(gomaasapi.MachinesArgs{SystemIDs: []string{spec.Parent}})
	if err != nil {
		failNetworks(r, "parent", err)
	}
	if len(machines) != 1 {
		failNetworks(r, "parent", fmt.Errorf("%d machines have system_id %q", len(machines), spec.Parent))
	}
	subnet, ok := subnets[spec.Device.SubnetCIDR]
	if !ok {
		failNetworks(r, "device", fmt.Errorf("no subnet %s in Spaces()", spec.Device.SubnetCIDR))
	}
	// POST devices/ (parent), PUT nodes/<id>/interfaces/<id>/ (name, vlan),
	// POST …/?op=link_subnet mode=STATIC subnet=<id>.
	device, err := machines[0].CreateDevice(gomaasapi.CreateMachineDeviceArgs{
		Hostname:      spec.Device.Hostname,
		InterfaceName: spec.Device.InterfaceName,
		MACAddress:    spec.Device.MACAddress,
		Subnet:        subnet,
	})
	if err != nil {
		failNetworks(r, "create device", err)
	}
	r.Created = deviceOf(device)

	if nic := spec.SecondNIC; nic != nil {
		second, ok := subnets[nic.SubnetCIDR]
		if !ok {
			failNetworks(r, "second nic", fmt.Errorf("no subnet %s in Spaces()", nic.SubnetCIDR))
		}
		iface, err := device.CreateInterface(gomaasapi.CreateInterfaceArgs{
			Name: nic.Name, MACAddress: nic.MACAddress, VLAN: second.VLAN(),
		})
		if err != nil {
			failNetworks(r, "second nic", err)
		}
		if err := iface.LinkSubnet(gomaasapi.LinkSubnetArgs{
			Mode: gomaasapi.InterfaceLinkMode(nic.Mode), Subnet: second, IPAddress: nic.IPAddress,
		}); err != nil {
			failNetworks(r, "second nic link", err)
		}
	}

	devices, err := controller.Devices(gomaasapi.DevicesArgs{SystemIDs: []string{device.SystemID()}})
	if err != nil {
		failNetworks(r, "read device", err)
	}
	if len(devices) != 1 {
		failNetworks(r, "read device", fmt.Errorf("Devices() found %d devices", len(devices)))
	}
	r.Device = deviceOf(devices[0])

	if spec.Delete {
		if err := devices[0].Delete(); err != nil {
			failNetworks(r, "delete device", err)
		}
		after, err := controller.Devices(gomaasapi.DevicesArgs{SystemIDs: []string{device.SystemID()}})
		if err != nil {
			failNetworks(r, "after delete", err)
		}
		gone := len(after) == 0
		r.DeletedGone = &gone
	}
	r.OK = true
	emitNetworks(r)
}
