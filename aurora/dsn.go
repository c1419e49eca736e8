package aurora

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/regionkit/multiregion"
)

// dsnTemplate is a parsed DSN: the engine's own config, which the adapter
// copies and points at one endpoint per pool. Its String never shows the
// password.
type dsnTemplate struct {
	pg *pgx.ConnConfig
	my *mysql.Config
}

// parseDSN parses dsn for engine e. The error never quotes dsn: the
// drivers' parse errors may.
func parseDSN(e Engine, dsn string) (dsnTemplate, error) {
	switch e {
	case PostgreSQL:
		if dsn == "" {
			dsn = "user=postgres"
		}
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return dsnTemplate{}, fmt.Errorf("the DSN does not parse as a PostgreSQL connection string")
		}
		return dsnTemplate{pg: cfg}, nil
	case MySQL:
		if dsn == "" {
			dsn = "root@tcp(localhost:3306)/"
		}
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return dsnTemplate{}, fmt.Errorf("the DSN does not parse as a MySQL DSN (user:password@tcp(host:port)/db)")
		}
		return dsnTemplate{my: cfg}, nil
	}
	return dsnTemplate{}, fmt.Errorf("no driver for engine %s", e)
}

// endpoint is the DSN's host:port.
func (d dsnTemplate) endpoint() string {
	if d.pg != nil {
		return net.JoinHostPort(d.pg.Host, strconv.Itoa(int(d.pg.Port)))
	}
	if d.my.Net != "tcp" {
		return ""
	}
	return d.my.Addr
}

// openSpec is what one pool is opened with.
type openSpec struct {
	region   multiregion.Region
	endpoint string // host:port to dial
	forward  string // consistency mode to set on each connection, "" none
	iam      bool
	pool     PoolOptions
}

// open returns a pool to spec.endpoint; it dials nothing. Passwords and IAM
// tokens are set on the driver's config, never formatted into a string.
func (c *cluster) open(d dsnTemplate, spec openSpec) (*sql.DB, error) {
	host, portS, err := net.SplitHostPort(spec.endpoint)
	if err != nil {
		return nil, fmt.Errorf("aurora: %s: endpoint of %s is not host:port", c.name, spec.region)
	}
	port, err := strconv.Atoi(portS)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("aurora: %s: endpoint of %s has no valid port", c.name, spec.region)
	}
	token := func(ctx context.Context, user string) (string, error) {
		cfg := c.mr.Config(spec.region)
		tok, err := auth.BuildAuthToken(ctx, spec.endpoint, string(spec.region), user, cfg.Credentials)
		if err != nil {
			return "", fmt.Errorf("aurora: %s: building the IAM auth token in %s failed", c.name, spec.region)
		}
		return tok, nil
	}
	var db *sql.DB
	if d.pg != nil {
		cfg := d.pg.Copy()
		cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(port), nil
		var opts []stdlib.OptionOpenDB
		if spec.iam {
			opts = append(opts, stdlib.OptionBeforeConnect(func(ctx context.Context, cc *pgx.ConnConfig) error {
				tok, err := token(ctx, cc.User)
				cc.Password = tok
				return err
			}))
		}
		if spec.forward != "" {
			stmt := "SET " + pgForwardingVar + " = '" + spec.forward + "'" // a validated constant
			opts = append(opts, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
				_, err := conn.Exec(ctx, stmt)
				return err
			}))
		}
		db = stdlib.OpenDB(*cfg, opts...)
	} else {
		cfg := d.my.Clone()
		cfg.Net, cfg.Addr = "tcp", spec.endpoint
		if spec.forward != "" {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[mysqlForwardingVar] = "'" + spec.forward + "'" // SET on every new connection
		}
		if spec.iam {
			cfg.AllowCleartextPasswords = true // RDS IAM auth sends the token in clear text over TLS
			if err := cfg.Apply(mysql.BeforeConnect(func(ctx context.Context, mc *mysql.Config) error {
				tok, err := token(ctx, mc.User)
				mc.Passwd = tok
				return err
			})); err != nil {
				return nil, fmt.Errorf("aurora: %s: configuring IAM auth for %s failed", c.name, spec.region)
			}
		}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, fmt.Errorf("aurora: %s: building the MySQL connector for %s failed", c.name, spec.region)
		}
		db = sql.OpenDB(conn)
	}
	p := spec.pool
	db.SetMaxOpenConns(p.MaxOpenConns)
	if p.MaxIdleConns != 0 {
		db.SetMaxIdleConns(p.MaxIdleConns)
	}
	db.SetConnMaxLifetime(p.ConnMaxLifetime)
	db.SetConnMaxIdleTime(p.ConnMaxIdleTime)
	return db, nil
}
