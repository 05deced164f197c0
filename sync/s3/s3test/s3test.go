// Package s3test runs a real S3 server for tests: versitygw with its posix
// backend, listening on loopback over TLS with a certificate from a test CA
// made for the occasion. It also offers a TCP proxy that injects network
// faults between a client and that server.
//
// versitygw must be installed:
//
//	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
//
// Setting CABINET_S3TEST_SIDECAR=1 makes the server keep object metadata in
// a sidecar directory instead of extended attributes, as it does on its own
// when the temporary directory's file system has no user xattrs.
package s3test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sys/unix"
)

// Server is a running versitygw.
type Server struct {
	Endpoint  string // "https://127.0.0.1:PORT"
	Bucket    string // created by Start
	AccessKey string
	SecretKey string
	CAFile    string // PEM of the CA that signed the server's certificate
	Dir       string // the posix backend's root: one subdirectory per bucket

	addr string   // 127.0.0.1:PORT
	args []string // versitygw command line, without the binary
	env  []string
	bin  string
	log  *syncBuffer
	proc *process
}

const (
	readyTimeout = 20 * time.Second
	stopTimeout  = 5 * time.Second
	installHint  = "versitygw not installed: run `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` (make test does it)"
)

// Start runs versitygw on 127.0.0.1 on a free port, creates a bucket and
// stops the server when the test ends. It fails the test if the server
// cannot start.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := findBinary()
	if err != nil {
		t.Fatalf("%s (%v)", installHint, err)
	}
	tmp := t.TempDir()
	s := &Server{Bucket: "cabinet-test", AccessKey: "cabinet-test-access", SecretKey: randomHex(t, 20),
		Dir: filepath.Join(tmp, "data"), bin: bin, log: &syncBuffer{}}
	s.env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("versitygw command: %s %s\nversitygw output:\n%s", s.bin, strings.Join(s.args, " "), s.log.String())
		}
	})
	if err := os.Mkdir(s.Dir, 0o700); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	cert, key, err := writeCerts(tmp)
	if err != nil {
		t.Fatalf("s3test: certificates: %v", err)
	}
	s.CAFile = filepath.Join(tmp, "ca.pem")
	backend := []string{"posix"}
	if os.Getenv("CABINET_S3TEST_SIDECAR") == "1" || !xattrSupported(s.Dir) {
		meta := filepath.Join(tmp, "meta")
		if err := os.Mkdir(meta, 0o700); err != nil {
			t.Fatalf("s3test: %v", err)
		}
		backend = append(backend, "--sidecar", meta)
	}
	backend = append(backend, s.Dir)
	t.Cleanup(func() { s.stop(t) })
	if err := s.startOnFreePort(t, cert, key, backend); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	if err := s.makeBucket(); err != nil {
		t.Fatalf("s3test: make bucket: %v", err)
	}
	return s
}

// startOnFreePort starts the server on a port found free, trying another
// port if that one was taken in the meantime.
func (s *Server) startOnFreePort(t testing.TB, cert, key string, backend []string) error {
	var err error
	for range 3 {
		if s.addr, err = freeAddr(); err != nil {
			return err
		}
		s.Endpoint = "https://" + s.addr
		s.args = append([]string{"--port", s.addr, "--cert", cert, "--key", key, "--quiet"}, backend...)
		if err = s.start(); err == nil {
			return nil
		}
		s.stop(t)
	}
	return err
}

// Restart stops the server and starts it again on the same port and
// directory, with the same credentials and certificate.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.stop(t)
	if err := s.start(); err != nil {
		t.Fatalf("s3test: restart: %v", err)
	}
}

// Objects returns every object of the bucket, name → content.
func (s *Server) Objects(t testing.TB) map[string][]byte {
	t.Helper()
	objects, err := s.objects()
	if err != nil {
		t.Fatalf("s3test: reading the bucket: %v", err)
	}
	return objects
}

func (s *Server) objects() (map[string][]byte, error) {
	mc, err := s.client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objects := map[string][]byte{}
	for info := range mc.ListObjectsIter(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if info.Err != nil {
			return nil, fmt.Errorf("list: %w", info.Err)
		}
		b, err := readObject(ctx, mc, s.Bucket, info.Key)
		if err != nil {
			return nil, err
		}
		objects[info.Key] = b
	}
	return objects, nil
}

func readObject(ctx context.Context, mc *minio.Client, bucket, name string) ([]byte, error) {
	obj, err := mc.GetObject(ctx, bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// start runs versitygw with s.args and waits until it answers.
func (s *Server) start() error {
	fmt.Fprintf(s.log, "--- starting: %s %s\n", s.bin, strings.Join(s.args, " "))
	p, err := startProcess(s.bin, s.args, s.env, s.log)
	if err != nil {
		return err
	}
	s.proc = p
	return s.waitReady(p)
}

func (s *Server) stop(t testing.TB) {
	if s.proc == nil {
		return
	}
	if err := s.proc.stop(); err != nil {
		t.Logf("s3test: stopping versitygw: %v", err)
	}
	s.proc = nil
}

// waitReady polls the server until it lists its buckets, it exits or
// readyTimeout passes.
func (s *Server) waitReady(p *process) error {
	mc, err := s.client()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = mc.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("versitygw exited before answering: %v", p.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw did not answer within %v: %w", readyTimeout, err)
		}
	}
}

func (s *Server) makeBucket() error {
	mc, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return mc.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{})
}

// client is a minio-go client with the root credentials, trusting the
// test CA, without retries.
func (s *Server) client() (*minio.Client, error) {
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no certificate in the CA file")
	}
	tr := &http.Transport{}
	if base, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = base.Clone()
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return minio.New(s.addr, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure:       true,
		Transport:    tr,
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
}

// findBinary looks for versitygw on PATH, then in $(go env GOPATH)/bin and
// $HOME/go/bin.
func findBinary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("not on PATH nor in %s", strings.Join(dirs, ", "))
}

// xattrSupported tells whether dir's file system takes user extended
// attributes, which versitygw's posix backend stores metadata in.
func xattrSupported(dir string) bool {
	f, err := os.CreateTemp(dir, ".xattr-probe-")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	return unix.Setxattr(name, "user.cabinet.probe", []byte("1"), 0) == nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return hex.EncodeToString(b)
}

// process is a running command whose end is awaited in the background.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the command has exited; err is then set
	err  error
}

func startProcess(bin string, args, env []string, out io.Writer) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting versitygw: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop asks the process to end, and kills it if it has not within
// stopTimeout.
func (p *process) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		return p.kill()
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
		return p.kill()
	}
}

func (p *process) kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing versitygw: %w", err)
	}
	<-p.done
	return nil
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// writeCerts makes a test CA and a server certificate for 127.0.0.1, ::1
// and localhost signed by it, and writes ca.pem, server.pem and
// server-key.pem in dir. It returns the server's certificate and key files.
func writeCerts(dir string) (certFile, keyFile string, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	caTmpl, err := template("cabinet s3test CA")
	if err != nil {
		return "", "", err
	}
	caTmpl.IsCA, caTmpl.BasicConstraintsValid = true, true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", fmt.Errorf("CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl, err := template("127.0.0.1")
	if err != nil {
		return "", "", err
	}
	tmpl.DNSNames = []string{"localhost"}
	tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", "", fmt.Errorf("server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	for _, f := range []struct {
		name, kind string
		der        []byte
	}{{"ca.pem", "CERTIFICATE", caDER}, {"server.pem", "CERTIFICATE", der}, {"server-key.pem", "PRIVATE KEY", keyDER}} {
		b := pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der})
		if err := os.WriteFile(filepath.Join(dir, f.name), b, 0o600); err != nil {
			return "", "", err
		}
	}
	return certFile, keyFile, nil
}

func template(cn string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"cabinet tests"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
	}, nil
}

// Proxy is a TCP proxy to a server that can drop connections and cut
// answers short. TLS passes through untouched: a client reaches the server
// at Endpoint() and checks the server's certificate, valid for 127.0.0.1.
//
// The proxy tells the request from the answer by turns: the client's first
// bytes (TLS ClientHello) and the server's reply are the handshake; the
// client's next bytes start the request, and server bytes from then on are
// the answer. Every fault drawn breaks its connection:
//   - a dropped connection is closed after a random number of the client's
//     bytes, or at the latest when the answer starts, so the client never
//     gets it;
//   - a truncated connection holds the answer until the server closes the
//     connection (versitygw closes it after every answer), then forwards
//     a random strict prefix of it and closes.
type Proxy struct {
	Addr string // 127.0.0.1:PORT

	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu        sync.Mutex
	rng       *mrand.Rand
	dropRate  float64
	cutRate   float64
	conns     map[net.Conn]struct{}
	closed    bool
	dropped   int
	truncated int
}

// maxHeld bounds the answer a truncated connection holds; a longer answer
// passes whole.
const maxHeld = 64 << 20

// NewProxy listens on a free loopback port and forwards every connection
// to target (host:port), without faults until SetFaults. It closes when
// the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("s3test: proxy: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, rng: newRand(0), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Endpoint is the proxy's address as an S3 endpoint.
func (p *Proxy) Endpoint() string { return "https://" + p.Addr }

// SetFaults sets, for each new connection, the probability to drop it
// during the request and the probability to cut its answer short (see
// Proxy). seed makes the faults reproducible for a given sequence of
// connections.
func (p *Proxy) SetFaults(dropRate, truncateRate float64, seed int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropRate, p.cutRate, p.rng = dropRate, truncateRate, newRand(seed)
}

// Faults returns how many connections were dropped and how many answers
// were cut short so far.
func (p *Proxy) Faults() (dropped, truncated int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped, p.truncated
}

func newRand(seed int64) *mrand.Rand {
	return mrand.New(mrand.NewPCG(uint64(seed), 0x5eed))
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		l := p.newLink(c)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			l.serve()
		}()
	}
}

// link is one proxied connection.
type link struct {
	p         *Proxy
	client    net.Conn
	server    net.Conn
	dropAfter int64   // client bytes after which to close; -1: no drop
	cutAt     float64 // fraction of the answer to forward; -1: no cut
	closeOnce sync.Once

	mu          sync.Mutex
	serverSpoke bool // the server has sent its handshake
	requesting  bool // the client has spoken after the server: request, then answer
}

// newLink draws the faults of a new connection.
func (p *Proxy) newLink(c net.Conn) *link {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := &link{p: p, client: c, dropAfter: -1, cutAt: -1}
	if p.rng.Float64() < p.dropRate {
		// Half the time within the first 4 KiB (handshake, headers),
		// otherwise within 128 KiB (bodies).
		if p.rng.IntN(2) == 0 {
			l.dropAfter = p.rng.Int64N(4 << 10)
		} else {
			l.dropAfter = p.rng.Int64N(128 << 10)
		}
	}
	if p.rng.Float64() < p.cutRate {
		l.cutAt = p.rng.Float64()
	}
	return l
}

// serve forwards between the client and a new connection to the target
// until either side closes or a fault strikes, then closes both.
func (l *link) serve() {
	server, err := net.DialTimeout("tcp", l.p.target, 5*time.Second)
	if err != nil {
		l.client.Close()
		return
	}
	l.server = server
	if !l.p.track(l.client, server) {
		return
	}
	defer l.p.untrack(l.client, server)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.upstream()
	}()
	go func() {
		defer wg.Done()
		l.downstream()
	}()
	wg.Wait()
}

func (l *link) closeBoth() {
	l.closeOnce.Do(func() {
		l.client.Close()
		l.server.Close()
	})
}

// upstream forwards the client's bytes, dropping the connection after
// dropAfter of them.
func (l *link) upstream() {
	defer l.closeBoth()
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, err := l.client.Read(buf)
		if n > 0 {
			l.mu.Lock()
			l.requesting = l.requesting || l.serverSpoke
			l.mu.Unlock()
			chunk := buf[:n]
			if l.dropAfter >= 0 && sent+int64(n) >= l.dropAfter {
				_, _ = l.server.Write(chunk[:l.dropAfter-sent])
				l.p.count(&l.p.dropped)
				return
			}
			if _, werr := l.server.Write(chunk); werr != nil {
				return
			}
			sent += int64(n)
		}
		if err != nil {
			return
		}
	}
}

// downstream forwards the server's bytes: the handshake as it comes, the
// answer as it comes too unless a fault is drawn.
func (l *link) downstream() {
	defer l.closeBoth()
	buf := make([]byte, 32<<10)
	var held []byte
	holding := l.cutAt >= 0
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			l.mu.Lock()
			l.serverSpoke = true
			answering := l.requesting
			l.mu.Unlock()
			switch {
			case answering && l.dropAfter >= 0:
				l.p.count(&l.p.dropped)
				return
			case answering && holding && len(held)+n <= maxHeld:
				held = append(held, buf[:n]...)
			default:
				if holding && len(held) > 0 { // the answer is too long to hold
					holding = false
					if _, werr := l.client.Write(held); werr != nil {
						return
					}
				}
				if _, werr := l.client.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			if holding && len(held) > 0 && errors.Is(err, io.EOF) {
				_, _ = l.client.Write(held[:int(l.cutAt*float64(len(held)))])
				l.p.count(&l.p.truncated)
			}
			return
		}
	}
}

func (p *Proxy) count(n *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*n++
}

// track registers the connections for close; it closes them and returns
// false if the proxy is already closed.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.conns, c)
	}
}

// close stops accepting, closes every open connection and waits for the
// forwarding goroutines.
func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
