package multiregiontest

// The RDS mock's answers, rendered from its topology in the API's XML shapes.

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
	for i, m := range d.members {
		if m.region != d.writer {
			g.Members[i].GlobalWriteForwardingStatus = forwardingStatus(m.forwarding)
		}
	}
	if t := d.pending; t != nil {
		g.Status = map[bool]string{false: "switching-over", true: "failing-over"}[t.allowLoss]
		g.FailoverState = &xmlFailoverState{Status: "failing-over", FromDbClusterArn: d.ClusterARN(t.from),
			ToDbClusterArn: d.ClusterARN(t.to), IsDataLossAllowed: t.allowLoss}
	}
	return g
}

// dbCluster renders m's Aurora cluster. Under d.mu.
func (d *RDS) dbCluster(m *rdsMember) xmlDBCluster {
	return xmlDBCluster{DBClusterIdentifier: d.ClusterID(m.region), DBClusterArn: d.ClusterARN(m.region),
		GlobalClusterIdentifier: d.GlobalClusterID(), Endpoint: m.host, ReaderEndpoint: m.readerHost(), Port: m.port,
		Engine: d.opts.Engine, EngineVersion: m.version, Status: m.status,
		Members:                     []xmlDBClusterMember{{DBInstanceIdentifier: d.InstanceID(m.region), IsClusterWriter: m.region == d.writer}},
		GlobalWriteForwardingStatus: forwardingStatus(m.forwarding), GlobalWriteForwardingRequested: m.forwarding}
}

func forwardingStatus(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
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
