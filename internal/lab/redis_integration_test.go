//go:build integration

package lab

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func redisClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 2 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestRedisShape: ElastiCache Global Datastore: the writer region's Redis takes
// writes, the others are replicas that refuse them with READONLY and see the
// writer's data.
func TestRedisShape(t *testing.T) {
	env := labEnv(t)
	ctx := testContext(t, 30*time.Second)
	w := mustRegion(t, env, env.Writer)
	primary := redisClient(t, w.Redis)
	key, val := unique("lab:redis:"), unique("v")
	if err := primary.Set(ctx, key, val, time.Minute).Err(); err != nil {
		t.Fatalf("SET on the primary (%s): %v", env.Writer, err)
	}
	if role, err := primary.Do(ctx, "ROLE").Slice(); err != nil || len(role) == 0 || role[0] != "master" {
		t.Errorf("primary ROLE = %v, %v; want master", role, err)
	}
	forEachRegion(t, env, env.Replicas(), func(t *testing.T, name string, r Region) {
		replica := redisClient(t, r.Redis)
		err := replica.Set(ctx, unique("lab:redis:w:"), "x", time.Minute).Err()
		if err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
			t.Fatalf("SET on replica %s: err = %v, want READONLY", name, err)
		}
		err = eventually(ctx, 5*time.Second, func(ctx context.Context) error {
			got, err := replica.Get(ctx, key).Result()
			if err != nil {
				return err
			}
			if got != val {
				return errors.New("replica has " + got + ", want " + val)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("primary's write not visible on replica %s: %v", name, err)
		}
	})
}
