package singlewriter

import (
	"net"
	"strconv"
	"strings"

	"github.com/regionkit/multiregion"
)

// HostPort is a Member endpoint from a control plane's address and port
// (DescribeDBClusters, DescribeDBInstances): host:port, or "" when host is
// empty (the cluster has no such endpoint, or it is still being created).
func HostPort(host string, port int) string {
	if host == "" {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// SplitARN splits arn:PARTITION:SERVICE:REGION:ACCOUNT:KIND:ID, the ARN of
// an RDS or DocumentDB cluster ("cluster") or instance ("db"), into its
// region and identifier; ok is false when arn is not such an ARN of kind.
func SplitARN(arn, kind string) (region multiregion.Region, id string, ok bool) {
	p := strings.Split(arn, ":")
	if len(p) != 7 || p[0] != "arn" || p[5] != kind || p[3] == "" || p[6] == "" {
		return "", "", false
	}
	return multiregion.Region(p[3]), p[6], true
}
