package multiregiontest

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/regionkit/multiregion"
)

// serve answers one RDS query-protocol call in region. Like AWS, a region
// describes its own clusters and instances only; the global cluster is
// described everywhere.
func (d *RDS) serve(region string, w http.ResponseWriter, r *http.Request) {
	form, ok := readRDSForm(w, r)
	if !ok {
		return
	}
	action := form.Get("Action")
	if d.log.record(action) {
		writeRDSFault(w, faultServer)
		return
	}
	switch action {
	case "DescribeGlobalClusters":
		d.describeGlobalClusters(w, form)
	case "DescribeDBClusters":
		d.describeDBClusters(w, region, form)
	case "DescribeDBInstances":
		d.describeDBInstances(w, region, form)
	case "SwitchoverGlobalCluster", "FailoverGlobalCluster":
		d.moveWriter(w, r.Context(), action, form)
	case "PromoteReadReplica":
		d.promote(w, r.Context(), region, form)
	default:
		rdsError(w, http.StatusBadRequest, "InvalidAction", "the lab's RDS does not serve "+strconv.Quote(action))
	}
}

func rdsError(w http.ResponseWriter, status int, code, msg string) {
	writeQueryError(w, rdsNamespace, status, code, msg)
}

func (d *RDS) aurora() bool { return d.opts.Kind == multiregion.AuroraGlobal }

func (d *RDS) describeGlobalClusters(w http.ResponseWriter, form url.Values) {
	id := form.Get("GlobalClusterIdentifier")
	if id != "" && (!d.aurora() || !matches(id, d.GlobalClusterID(), d.GlobalClusterARN())) {
		rdsError(w, http.StatusNotFound, "GlobalClusterNotFoundFault", "GlobalCluster "+id+" not found.")
		return
	}
	var res struct {
		XMLName  xml.Name           `xml:"R"`
		Clusters []xmlGlobalCluster `xml:"GlobalClusters>GlobalClusterMember"`
	}
	if d.aurora() {
		d.mu.Lock()
		res.Clusters = append(res.Clusters, d.globalCluster())
		d.mu.Unlock()
	}
	writeQueryResult(w, rdsNamespace, "DescribeGlobalClusters", res)
}

func (d *RDS) describeDBClusters(w http.ResponseWriter, region string, form url.Values) {
	id := form.Get("DBClusterIdentifier")
	ids, filtered := filterValues(form, "db-cluster-id")
	var res struct {
		XMLName  xml.Name       `xml:"R"`
		Clusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
	}
	d.mu.Lock()
	if m := d.member(region); m != nil && d.aurora() && matches(id, d.ClusterID(region), d.ClusterARN(region)) &&
		(!filtered || slices.Contains(ids, d.ClusterID(region)) || slices.Contains(ids, d.ClusterARN(region))) {
		res.Clusters = append(res.Clusters, d.dbCluster(m))
	}
	d.mu.Unlock()
	if id != "" && len(res.Clusters) == 0 {
		rdsError(w, http.StatusNotFound, "DBClusterNotFoundFault", "DBCluster "+id+" not found.")
		return
	}
	writeQueryResult(w, rdsNamespace, "DescribeDBClusters", res)
}

func (d *RDS) describeDBInstances(w http.ResponseWriter, region string, form url.Values) {
	id := form.Get("DBInstanceIdentifier")
	ids, byID := filterValues(form, "db-instance-id")
	clusters, byCluster := filterValues(form, "db-cluster-id")
	var res struct {
		XMLName   xml.Name        `xml:"R"`
		Instances []xmlDBInstance `xml:"DBInstances>DBInstance"`
	}
	d.mu.Lock()
	inst, arn := d.InstanceID(region), d.InstanceARN(region)
	if m := d.member(region); m != nil && matches(id, inst, arn) &&
		(!byID || slices.Contains(ids, inst) || slices.Contains(ids, arn)) &&
		(!byCluster || d.aurora() && (slices.Contains(clusters, d.ClusterID(region)) || slices.Contains(clusters, d.ClusterARN(region)))) {
		res.Instances = append(res.Instances, d.dbInstance(m))
	}
	d.mu.Unlock()
	if id != "" && len(res.Instances) == 0 {
		rdsError(w, http.StatusNotFound, "DBInstanceNotFound", "DBInstance "+id+" not found.")
		return
	}
	writeQueryResult(w, rdsNamespace, "DescribeDBInstances", res)
}

// moveWriter serves SwitchoverGlobalCluster and FailoverGlobalCluster.
func (d *RDS) moveWriter(w http.ResponseWriter, ctx context.Context, action string, form url.Values) {
	if id := form.Get("GlobalClusterIdentifier"); !d.aurora() || !matches(id, d.GlobalClusterID(), d.GlobalClusterARN()) || id == "" {
		rdsError(w, http.StatusNotFound, "GlobalClusterNotFoundFault", "GlobalCluster "+id+" not found.")
		return
	}
	allowLoss, switchover := form.Get("AllowDataLoss") == "true", form.Get("Switchover") == "true"
	if allowLoss && switchover {
		rdsError(w, http.StatusBadRequest, "InvalidParameterCombination", "AllowDataLoss and Switchover can't be specified together.")
		return
	}
	// FailoverGlobalCluster without AllowDataLoss is a switchover, as AWS.
	failover := action == "FailoverGlobalCluster" && allowLoss
	target := form.Get("TargetDbClusterIdentifier")
	d.mu.Lock()
	from, to := d.writer, ""
	for _, m := range d.members {
		if matches(target, d.ClusterID(m.region), d.ClusterARN(m.region)) {
			to = m.region
		}
	}
	code, msg := "", ""
	switch tm, fm := d.member(to), d.member(from); {
	case tm == nil || target == "":
		code, msg = "DBClusterNotFoundFault", "DBCluster "+target+" not found."
	case to == from:
		code, msg = "InvalidGlobalClusterStateFault", "DBCluster "+target+" is the primary cluster already."
	case tm.status != "available" || !failover && fm.status != "available":
		code, msg = "InvalidDBClusterStateFault", "the clusters must be available (target "+tm.status+", primary "+fm.status+")."
	case !failover && tm.version != fm.version:
		code, msg = "InvalidGlobalClusterStateFault", "a switchover needs the same engine version ("+fm.version+" and "+tm.version+")."
	}
	hook := d.opts.OnSwitchover
	if failover {
		hook = d.opts.OnFailover
	}
	d.mu.Unlock()
	switch code {
	case "":
	case "DBClusterNotFoundFault":
		rdsError(w, http.StatusNotFound, code, msg)
		return
	default:
		rdsError(w, http.StatusBadRequest, code, msg)
		return
	}
	var res struct {
		XMLName       xml.Name         `xml:"R"`
		GlobalCluster xmlGlobalCluster `xml:"GlobalCluster"`
	}
	err := d.operate(ctx, hook, RDSOperation{Action: action, From: from, To: to, AllowDataLoss: allowLoss},
		func() { d.writer = to }, // the old writer stays, a secondary
		func() { res.GlobalCluster = d.globalCluster() })
	if err != nil {
		rdsError(w, http.StatusBadRequest, "InvalidGlobalClusterStateFault", "refused: "+err.Error())
		return
	}
	writeQueryResult(w, rdsNamespace, action, res)
}

// promote serves PromoteReadReplica: the replica leaves its source's
// replica list and becomes a standalone instance that takes writes.
func (d *RDS) promote(w http.ResponseWriter, ctx context.Context, region string, form url.Values) {
	id := form.Get("DBInstanceIdentifier")
	d.mu.Lock()
	m := d.member(region)
	if m == nil || id == "" || !matches(id, d.InstanceID(region), d.InstanceARN(region)) {
		d.mu.Unlock()
		rdsError(w, http.StatusNotFound, "DBInstanceNotFound", "DBInstance "+id+" not found.")
		return
	}
	if !m.replica || m.status != "available" {
		status := m.status
		d.mu.Unlock()
		rdsError(w, http.StatusBadRequest, "InvalidDBInstanceState", "DB Instance "+id+" is not an available read replica (status "+status+").")
		return
	}
	from, hook := d.writer, d.opts.OnPromote
	d.mu.Unlock()
	var res struct {
		XMLName  xml.Name      `xml:"R"`
		Instance xmlDBInstance `xml:"DBInstance"`
	}
	err := d.operate(ctx, hook, RDSOperation{Action: "PromoteReadReplica", From: from, To: region},
		func() { m.replica = false },
		func() { res.Instance = d.dbInstance(m) })
	if err != nil {
		rdsError(w, http.StatusBadRequest, "InvalidDBInstanceState", "refused: "+err.Error())
		return
	}
	writeQueryResult(w, rdsNamespace, "PromoteReadReplica", res)
}

// operate runs hook, if any, without d.mu (a test's hook may take time and
// call the handle), records op with the hook's error, applies the change
// if the hook agreed, and renders the answer; apply and render run under
// d.mu.
func (d *RDS) operate(ctx context.Context, hook func(ctx context.Context, from, to string) error, op RDSOperation, apply, render func()) error {
	if hook != nil {
		op.Err = hook(ctx, op.From, op.To)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ops = append(d.ops, op)
	if op.Err == nil {
		apply()
	}
	render()
	return op.Err
}

// globalCluster renders the Aurora global cluster. Under d.mu.
func (d *RDS) globalCluster() xmlGlobalCluster {
	regions := make([]string, len(d.members))
	for i, m := range d.members {
		regions[i] = m.region
	}
	version := ""
	if m := d.member(d.writer); m != nil {
		version = m.version
	}
	g := globalClusterXML(d.GlobalClusterID(), d.GlobalClusterARN(), d.opts.Engine, version, d.writer, regions, d.ClusterARN)
	g.Endpoint = d.global
	return g
}

// dbCluster renders m's Aurora cluster. Under d.mu.
func (d *RDS) dbCluster(m *rdsMember) xmlDBCluster {
	return xmlDBCluster{DBClusterIdentifier: d.ClusterID(m.region), DBClusterArn: d.ClusterARN(m.region),
		GlobalClusterIdentifier: d.GlobalClusterID(), Endpoint: m.host, ReaderEndpoint: m.readerHost(), Port: m.port,
		Engine: d.opts.Engine, EngineVersion: m.version, Status: m.status,
		Members: []xmlDBClusterMember{{DBInstanceIdentifier: d.InstanceID(m.region), IsClusterWriter: m.region == d.writer}}}
}

// dbInstance renders m's DB instance. Under d.mu.
func (d *RDS) dbInstance(m *rdsMember) xmlDBInstance {
	x := xmlDBInstance{DBInstanceIdentifier: d.InstanceID(m.region), DBInstanceArn: d.InstanceARN(m.region),
		Engine: d.opts.Engine, EngineVersion: m.version, DBInstanceStatus: m.status,
		Endpoint: &xmlEndpoint{Address: m.host, Port: m.port}}
	switch {
	case d.aurora():
		x.DBClusterIdentifier = d.ClusterID(m.region)
	case m.replica:
		x.ReadReplicaSourceDBInstanceIdentifier = d.InstanceARN(d.writer)
	case m.region == d.writer:
		for _, o := range d.members {
			if o.replica {
				x.ReadReplicaDBInstanceIdentifiers = append(x.ReadReplicaDBInstanceIdentifiers, d.InstanceARN(o.region))
			}
		}
	}
	return x
}

// matches reports whether want (an identifier or ARN from a request) is
// empty or one of names.
func matches(want string, names ...string) bool { return want == "" || slices.Contains(names, want) }

// filterValues returns the values of the request's filter name
// (Filters.Filter.N.Name, Filters.Filter.N.Values.Value.M), and whether
// the request has it.
func filterValues(form url.Values, name string) ([]string, bool) {
	for n := 1; ; n++ {
		p := "Filters.Filter." + strconv.Itoa(n) + "."
		got, ok := form[p+"Name"]
		if !ok {
			return nil, false
		}
		if len(got) == 0 || got[0] != name {
			continue
		}
		var vals []string
		for v := 1; form.Has(p + "Values.Value." + strconv.Itoa(v)); v++ {
			vals = append(vals, form.Get(p+"Values.Value."+strconv.Itoa(v)))
		}
		return vals, true
	}
}
