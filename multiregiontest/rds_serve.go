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
		if t := d.pending; t != nil {
			if t.left--; t.left <= 0 {
				d.writer, d.pending = t.to, nil
			}
		}
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
		passes(filtered, ids, d.ClusterID(region), d.ClusterARN(region)) {
		res.Clusters = append(res.Clusters, d.dbCluster(m))
	}
	d.mu.Unlock()
	writeDescribed(w, "DescribeDBClusters", id, len(res.Clusters), "DBClusterNotFoundFault", "DBCluster", res)
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
	if m := d.member(region); m != nil && matches(id, inst, arn) && passes(byID, ids, inst, arn) &&
		(!byCluster || d.aurora() && passes(true, clusters, d.ClusterID(region), d.ClusterARN(region))) {
		res.Instances = append(res.Instances, d.dbInstance(m))
	}
	d.mu.Unlock()
	writeDescribed(w, "DescribeDBInstances", id, len(res.Instances), "DBInstanceNotFound", "DBInstance", res)
}

// writeDescribed answers a Describe call with res, or, when the call named
// id and found nothing, with the not-found fault AWS gives (HTTP 404).
func writeDescribed(w http.ResponseWriter, action, id string, found int, fault, what string, res any) {
	if id != "" && found == 0 {
		rdsError(w, http.StatusNotFound, fault, what+" "+id+" not found.")
		return
	}
	writeQueryResult(w, rdsNamespace, action, res)
}

// passes reports whether a filter (given, with values) lets through a
// resource called any of names.
func passes(given bool, values []string, names ...string) bool {
	return !given || slices.ContainsFunc(names, func(n string) bool { return slices.Contains(values, n) })
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
	case d.moving || d.pending != nil:
		code, msg = "InvalidGlobalClusterStateFault", "a switchover or failover is under way."
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
	if code == "" {
		d.moving = true // until operate has applied it: a concurrent move is refused
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
		func() { // the old writer stays, a secondary
			if n := d.opts.TransitionDescribes; n > 0 {
				d.pending = &rdsTransition{from: from, to: to, allowLoss: failover, left: n}
			} else {
				d.writer = to
			}
		},
		func() { res.GlobalCluster, d.moving = d.globalCluster(), false })
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
