package cache

import "strings"

// readOnlyCommands are the commands Pipelined may send to a replica: the
// Valkey / Redis OSS commands flagged read-only that a replica serves.
var readOnlyCommands = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`
		get mget getrange substr strlen exists type ttl pttl expiretime pexpiretime
		hget hmget hgetall hkeys hvals hlen hexists hstrlen hrandfield hscan
		lrange llen lindex lpos
		smembers sismember smismember scard srandmember sinter sintercard sunion sdiff sscan
		zrange zrangebyscore zrangebylex zrevrange zrevrangebyscore zrevrangebylex zscore zmscore
		zcard zcount zlexcount zrank zrevrank zrandmember zdiff zinter zunion zintercard zscan
		bitcount bitpos getbit bitfield_ro lcs
		xrange xrevrange xlen
		geopos geodist geohash georadius_ro georadiusbymember_ro geosearch
		scan keys dbsize randomkey ping echo time dump object memory touch`) {
		readOnlyCommands[c] = true
	}
}

// ReadOnlyCommand reports whether Pipelined treats the command name (any
// case) as read-only, so that a pipeline of only such commands may run on
// a replica. Unknown commands count as writes.
func ReadOnlyCommand(name string) bool { return readOnlyCommands[strings.ToLower(name)] }
