// Package lab reads the multi-region lab's env file and drives the lab's latency /
// outage proxies, for integration tests and examples.
//
// The lab (scripts/lab) runs real wire-protocol servers on 127.0.0.1 in three
// "regions": us-east-1 is the writer, us-west-2 and eu-west-1 are read-only replicas.
// Each region has a Redis (primary or replicaof), a PostgreSQL 15 (primary or hot
// standby), FerretDB over that PostgreSQL (MongoDB wire; writes refused where the
// PostgreSQL is a standby), dynalite (DynamoDB API), versitygw (S3 API, versioning
// on) and a MariaDB 10.11 (the writer's is a binlog/GTID primary; the others are its
// replicas with read_only=ON, which refuse the application's writes with error 1290).
// Every client-facing address goes through Toxiproxy, so each region has its own
// latency and can be taken down and brought back.
//
// MariaDB's addresses are go-sql-driver/mysql DSNs (user:password@tcp(host:port)/lab):
// Endpoints.MariaDB for the application's account, Endpoints.MariaDBAdmin for an
// account with READ_ONLY ADMIN that changes the topology. A replica is promoted with
// the admin account: STOP SLAVE; SET GLOBAL read_only=OFF. It becomes a replica again
// with SET GLOBAL read_only=ON; START SLAVE (replication resumes from the primary's
// GTIDs it had applied, MASTER_USE_GTID=slave_pos); a test that promotes one restores
// it so, and deletes what it wrote there with sql_log_bin=0.
//
// Quick start:
//
//	scripts/lab up          # install what is missing, start, write .lab/env.json
//	scripts/lab status      # pids, ports, proxies, latencies
//	scripts/lab region eu-west-1 down   # ... up, latency 120
//	scripts/lab test        # up, go test -race -tags integration ./..., down
//	scripts/lab down        # stop everything; no process, no port left
//
// In a test (build tag integration):
//
//	env, err := lab.Load()
//	if errors.Is(err, lab.ErrNotRunning) {
//		t.Fatal("lab not running: scripts/lab up")
//	}
//	r, _ := env.Region("us-west-2")
//	rdb := redis.NewClient(&redis.Options{Addr: r.Redis})
//	t.Cleanup(func() { _ = env.Reset(context.Background()) }) // all regions up, configured latency
//	_ = env.Down(ctx, "us-west-2") // new connections to its proxies are refused
//
// Load finds the env file at $MULTIREGION_LAB_ENV, or at .lab/env.json in the
// current directory or the nearest parent that has one (up to the module root).
// Down, Up, SetLatency and Latency talk to Toxiproxy's HTTP API with net/http; they
// change the live lab only, not the env file. Latency in Toxiproxy has millisecond
// resolution: one-way latency L means L on the way in and L on the way out, so a
// request/response round trip costs about 2L.
package lab
