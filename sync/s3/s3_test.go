package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/sync/engine"
	"github.com/cabinet-sante/cabinet/sync/s3"
	"github.com/cabinet-sante/cabinet/sync/s3/s3test"
)

// client opens the test server's bucket at endpoint (the server's own by
// default), with the changes of edit applied to the configuration.
func client(t *testing.T, srv *s3test.Server, edit func(*s3.Config)) *s3.Client {
	t.Helper()
	cfg := s3.Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		CAFile: srv.CAFile, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := s3.New(cfg)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutGetListDelete(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	c := client(t, srv, nil)
	ctx := ctxFor(t, 30*time.Second)
	if err := c.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	want := map[string][]byte{
		"heads/dev-a":         []byte("head a"),
		"segments/dev-a/0001": randomBytes(t, 100_000),
		"segments/dev-a/0002": {},
		"segments/dev-b/0001": randomBytes(t, 10),
	}
	for name, data := range want {
		if err := c.Put(ctx, name, data); err != nil {
			t.Fatalf("put: %v", err)
		}
	}
	// Put replaces.
	want["heads/dev-a"] = []byte("head a, second version")
	if err := c.Put(ctx, "heads/dev-a", want["heads/dev-a"]); err != nil {
		t.Fatalf("put again: %v", err)
	}
	for name, data := range want {
		got, err := c.Get(ctx, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get %s: %d bytes, %v; want %d bytes", name, len(got), err, len(data))
		}
	}
	for prefix, names := range map[string][]string{
		"":                {"heads/dev-a", "segments/dev-a/0001", "segments/dev-a/0002", "segments/dev-b/0001"},
		"segments/":       {"segments/dev-a/0001", "segments/dev-a/0002", "segments/dev-b/0001"},
		"segments/dev-a/": {"segments/dev-a/0001", "segments/dev-a/0002"},
		"nothing/":        nil,
	} {
		got, err := c.List(ctx, prefix)
		if err != nil || !slices.Equal(got, names) {
			t.Fatalf("list %q: %q, %v; want %q", prefix, got, err, names)
		}
	}
	if got := srv.Objects(t); len(got) != len(want) || !bytes.Equal(got["heads/dev-a"], want["heads/dev-a"]) {
		t.Fatalf("server holds %d objects, want %d", len(got), len(want))
	}

	for range 2 { // deleting twice is fine
		if err := c.Delete(ctx, "segments/dev-a/0001"); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	if err := c.Delete(ctx, "never/existed"); err != nil {
		t.Fatalf("delete missing: %v", err)
	}
	_, err := c.Get(ctx, "segments/dev-a/0001")
	if !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("get deleted: %v, want ErrNotFound", err)
	}
	if strings.Contains(err.Error(), "dev-a") {
		t.Fatalf("the error names the object: %v", err)
	}
}

// List pages through more names than the server returns at once (1,000).
func TestListPages(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	c := client(t, srv, nil)
	ctx := ctxFor(t, time.Minute)
	const n = 1100
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("segments/dev-%d/%04d", i%3, i))
	}
	putAll(t, ctx, c, want, 16)
	slices.Sort(want)
	got, err := c.List(ctx, "segments/")
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("list: %d names, %v; want %d", len(got), err, len(want))
	}
	dev1 := slices.DeleteFunc(want, func(name string) bool { return !strings.HasPrefix(name, "segments/dev-1/") })
	got, err = c.List(ctx, "segments/dev-1/")
	if err != nil || !slices.Equal(got, dev1) {
		t.Fatalf("list dev-1: %d names, %v; want %d", len(got), err, len(dev1))
	}
}

// putAll stores a small object under each name, with a few requests at
// once.
func putAll(t *testing.T, ctx context.Context, c *s3.Client, names []string, workers int) {
	t.Helper()
	todo := make(chan string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for name := range todo {
				if err := c.Put(ctx, name, []byte(name)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, name := range names {
		select {
		case todo <- name:
		case err := <-errs:
			t.Fatalf("put: %v", err)
		}
	}
	close(todo)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("put: %v", err)
	default:
	}
}

func TestEndpointMustBeHTTPS(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"http://127.0.0.1:9000", "ftp://example.com", "127.0.0.1:9000", "", "https://", "https://host/bucket",
		"https://user:pass@host"} {
		_, err := s3.New(s3.Config{Endpoint: endpoint, Bucket: "bkt", AccessKey: "a", SecretKey: "s"})
		if err == nil {
			t.Fatalf("%q accepted", endpoint)
		}
		if strings.Contains(err.Error(), "pass") {
			t.Fatalf("%q: the error shows the credentials: %v", endpoint, err)
		}
	}
	_, err := s3.New(s3.Config{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt", AccessKey: "a", SecretKey: "s"})
	if err == nil || err.Error() != "sync endpoint must use https://" {
		t.Fatalf("http endpoint: %v", err)
	}
	if _, err := s3.New(s3.Config{Endpoint: "https://s3.example.com", Bucket: "bkt", AccessKey: "a", SecretKey: "s"}); err != nil {
		t.Fatalf("https endpoint: %v", err)
	}
}

func TestBadCAFile(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []s3.Config{{CAFile: bad}, {CAFile: bad + ".missing"}, {CAPEM: []byte("garbage")}} {
		cfg.Endpoint, cfg.Bucket, cfg.AccessKey, cfg.SecretKey = "https://127.0.0.1:1", "bkt", "a", "s"
		if _, err := s3.New(cfg); err == nil {
			t.Fatalf("bad CA accepted: %+v", cfg)
		}
	}
}

// Each misconfiguration is reported with its own error class, quickly.
func TestCheckClassifiesErrors(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	other := httptest.NewUnstartedServer(http.NotFoundHandler()) // a CA that did not sign the server's certificate
	other.Config.ErrorLog = log.New(io.Discard, "", 0)           // rejected handshakes are expected
	other.StartTLS()
	defer other.Close()
	otherCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Certificate().Raw})
	cases := []struct {
		name string
		edit func(*s3.Config)
		want error
	}{
		{"system roots only", func(c *s3.Config) { c.CAFile = "" }, s3.ErrTLS},
		{"another CA", func(c *s3.Config) { c.CAFile, c.CAPEM = "", otherCA }, s3.ErrTLS},
		{"name not in the certificate", func(c *s3.Config) { // other's certificate is for 127.0.0.1 and example.com
			c.Endpoint, c.CAFile, c.CAPEM = strings.Replace(other.URL, "127.0.0.1", "localhost", 1), "", otherCA
		}, s3.ErrTLS},
		{"wrong secret", func(c *s3.Config) { c.SecretKey = "wrong-secret-key" }, s3.ErrAuth},
		{"unknown access key", func(c *s3.Config) { c.AccessKey = "nobody" }, s3.ErrAuth},
		{"missing bucket", func(c *s3.Config) { c.Bucket = "no-such-bucket" }, s3.ErrNoBucket},
		{"unknown host", func(c *s3.Config) { c.Endpoint = "https://cabinet-s3-test.invalid" }, s3.ErrDNS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, srv, tc.edit)
			start := time.Now()
			err := c.Check(ctxFor(t, 30*time.Second))
			if !errors.Is(err, tc.want) {
				t.Fatalf("check: %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("check took %v: a permanent error was retried", d)
			}
			if strings.Contains(err.Error(), "wrong-secret-key") || strings.Contains(err.Error(), srv.SecretKey) {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
	t.Run("operations too", func(t *testing.T) {
		c := client(t, srv, func(c *s3.Config) { c.Bucket = "no-such-bucket" })
		if _, err := c.Get(ctxFor(t, 10*time.Second), "x"); !errors.Is(err, s3.ErrNoBucket) {
			t.Fatalf("get: %v", err)
		}
		c = client(t, srv, func(c *s3.Config) { c.SecretKey = "wrong-secret-key" })
		if err := c.Put(ctxFor(t, 10*time.Second), "x", []byte("x")); !errors.Is(err, s3.ErrAuth) {
			t.Fatalf("put: %v", err)
		}
	})
}

func TestClosedPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := s3.New(s3.Config{Endpoint: "https://" + addr, Bucket: "bkt", AccessKey: "a", SecretKey: "s", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Get(ctxFor(t, time.Minute), "patient-dupont/record")
	if !errors.Is(err, s3.ErrUnreachable) {
		t.Fatalf("get: %v, want ErrUnreachable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the error came after %v", d)
	}
	if strings.Contains(err.Error(), "dupont") {
		t.Fatalf("the error names the object: %v", err)
	}
	t.Logf("closed port: %v (after %v)", err, time.Since(start).Round(time.Millisecond))
}

// A server that accepts connections and never answers times out.
func TestTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, conn := range held {
			conn.Close()
		}
	})
	c, err := s3.New(s3.Config{Endpoint: "https://" + l.Addr().String(), Bucket: "bkt", AccessKey: "a", SecretKey: "s",
		Timeout: 300 * time.Millisecond, Retries: 1, RetryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.Check(ctxFor(t, time.Minute))
	if !errors.Is(err, s3.ErrTimeout) {
		t.Fatalf("check: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 600*time.Millisecond || d > 3*time.Second {
		t.Fatalf("check took %v, want two attempts of 300 ms", d)
	}
	// The caller's deadline ends the retries too.
	c, _ = s3.New(s3.Config{Endpoint: "https://" + l.Addr().String(), Bucket: "bkt", AccessKey: "a", SecretKey: "s",
		Timeout: 10 * time.Second})
	start = time.Now()
	if err := c.Check(ctxFor(t, 200*time.Millisecond)); !errors.Is(err, s3.ErrTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("check with a short deadline: %v after %v", err, time.Since(start))
	}
}

// fakeS3 answers GET /bkt/<name> as scripted, counting attempts per name.
type fakeS3 struct {
	mu       sync.Mutex
	attempts map[string]int
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/bkt/")
	f.mu.Lock()
	f.attempts[name]++
	n := f.attempts[name]
	f.mu.Unlock()
	body := bytes.Repeat([]byte("x"), 100)
	w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
	switch {
	case name == "short" && n == 1: // announces 100 bytes, sends 50
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write(body[:50])
	case name == "missing":
		s3Error(w, http.StatusNotFound, "NoSuchKey")
	case name == "busy" && n <= 2:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown")
	case name == "denied":
		s3Error(w, http.StatusForbidden, "AccessDenied")
	default:
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write(body)
	}
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, code)
}

// Transient failures are retried, permanent ones are not.
func TestRetries(t *testing.T) {
	t.Parallel()
	f := &fakeS3{attempts: map[string]int{}}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c, err := s3.New(s3.Config{Endpoint: srv.URL, Bucket: "bkt", AccessKey: "a", SecretKey: "s", CAPEM: ca,
		Timeout: 5 * time.Second, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 30*time.Second)
	for _, tc := range []struct {
		name     string
		want     error
		attempts int
	}{
		{"short", nil, 2},
		{"busy", nil, 3},
		{"missing", engine.ErrNotFound, 1},
		{"denied", s3.ErrAuth, 1},
	} {
		data, err := c.Get(ctx, tc.name)
		if !errors.Is(err, tc.want) || (err == nil && len(data) != 100) {
			t.Fatalf("%s: %d bytes, %v; want %v", tc.name, len(data), err, tc.want)
		}
		if got := f.attempts[tc.name]; got != tc.attempts {
			t.Fatalf("%s: %d attempts, want %d", tc.name, got, tc.attempts)
		}
	}
}

// Through a proxy that drops connections and cuts answers, every round
// trip eventually succeeds with the bytes sent; once the network heals,
// everything works at the first try.
func TestFlakyNetwork(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	proxy := s3test.NewProxy(t, strings.TrimPrefix(srv.Endpoint, "https://"))
	c := client(t, srv, func(c *s3.Config) {
		c.Endpoint, c.Retries, c.RetryDelay = proxy.Endpoint(), 25, 2*time.Millisecond
	})
	ctx := ctxFor(t, 2*time.Minute)
	proxy.SetFaults(0.3, 0.3, 42)
	want := map[string][]byte{}
	for i := range 50 {
		name := fmt.Sprintf("segments/dev-a/%04d", i)
		data := randomBytes(t, 64<<10)
		want[name] = data
		if err := c.Put(ctx, name, data); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		got, err := c.Get(ctx, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get %d: %d bytes, %v", i, len(got), err)
		}
	}
	names, err := c.List(ctx, "segments/")
	if err != nil || len(names) != len(want) {
		t.Fatalf("list through faults: %d names, %v", len(names), err)
	}
	dropped, truncated := proxy.Faults()
	t.Logf("faults injected: %d dropped, %d truncated", dropped, truncated)
	if dropped < 10 || truncated < 10 {
		t.Fatalf("too few faults injected: %d dropped, %d truncated", dropped, truncated)
	}

	proxy.SetFaults(0, 0, 0)
	strict := client(t, srv, func(c *s3.Config) { c.Endpoint, c.Retries = proxy.Endpoint(), -1 })
	if err := strict.Check(ctx); err != nil {
		t.Fatalf("check after healing: %v", err)
	}
	for name, data := range want {
		got, err := strict.Get(ctx, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get after healing: %d bytes, %v", len(got), err)
		}
	}
	if err := strict.Put(ctx, "heads/dev-a", []byte("healed")); err != nil {
		t.Fatalf("put after healing: %v", err)
	}
	want["heads/dev-a"] = []byte("healed")
	objects := srv.Objects(t)
	if len(objects) != len(want) {
		t.Fatalf("the server holds %d objects, want %d", len(objects), len(want))
	}
	for name, data := range want {
		if !bytes.Equal(objects[name], data) {
			t.Fatalf("the server's copy of %s differs", name)
		}
	}
	if d2, t2 := proxy.Faults(); d2 != dropped || t2 != truncated {
		t.Fatal("faults injected after SetFaults(0, 0)")
	}
}

// Objects survive a restart of the server, which comes back on the same
// address.
func TestServerRestart(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	c := client(t, srv, nil)
	ctx := ctxFor(t, 30*time.Second)
	if err := c.Put(ctx, "k", []byte("kept")); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	if got, err := c.Get(ctx, "k"); err != nil || string(got) != "kept" {
		t.Fatalf("get after restart: %q, %v", got, err)
	}
}

// Many goroutines share one client.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	c := client(t, srv, nil)
	ctx := ctxFor(t, 30*time.Second)
	var failed atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		name, data := fmt.Sprintf("w/%d", i), randomBytes(t, 4096)
		wg.Go(func() {
			for range 5 {
				if err := c.Put(ctx, name, data); err != nil {
					failed.Add(1)
					return
				}
				if got, err := c.Get(ctx, name); err != nil || !bytes.Equal(got, data) {
					failed.Add(1)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d workers failed", n)
	}
	if names, err := c.List(ctx, "w/"); err != nil || len(names) != 8 {
		t.Fatalf("list: %q, %v", names, err)
	}
}
