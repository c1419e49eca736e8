package cache_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/multiregiontest"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cache test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// In-transit encryption: the Store speaks TLS to servers that require it,
// with the configuration given and the endpoint's host as ServerName.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	srv, err := miniredis.RunTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	lab := multiregiontest.Start(t, []string{"us-east-1"}, multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
		o.GlobalReplicationGroupID = "ldgnf-tls"
		o.Endpoints = map[string]string{"us-east-1": srv.Addr()}
		o.TransitEncryption = true
	}))
	mr, err := multiregion.New(testCtx(t), lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	ctx := testCtx(t)

	s, err := cache.New(ctx, mr, func(o *cache.Options) {
		o.GlobalReplicationGroupID = "ldgnf-tls"
		o.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		o.LagInterval, o.DisableProbe = -1, true
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Set(ctx, "k", "v", 0))
	v, _, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)

	// The control plane says in-transit encryption: TLS is on even without
	// Options.TLS (here the system roots do not trust the test CA: refused).
	s2, err := cache.New(ctx, mr, func(o *cache.Options) {
		o.GlobalReplicationGroupID = "ldgnf-tls"
		o.StoreName = "cache:tls-default"
		o.LagInterval, o.DisableProbe = -1, true
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s2.Close() })
	err = s2.Set(ctx, "k", "v", 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
}
