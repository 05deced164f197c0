// Package s3 is the sync engine's transport: an engine.Remote backed by an
// S3-compatible bucket, reached over HTTPS only, with verified certificates,
// per-request timeouts and retries with exponential backoff.
//
// Nothing in this package logs: object names and contents never leave the
// client except in the requests themselves, and returned errors carry
// neither object names nor URLs (which hold the object names).
package s3

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/cabinet-sante/cabinet/sync/engine"
)

// Error classes, for the app layer to show a clear message. Errors returned
// by the client wrap at most one of them (and engine.ErrNotFound for a
// missing object).
var (
	// ErrDNS: the server's name could not be resolved.
	ErrDNS = errors.New("sync server name not found (DNS)")
	// ErrTLS: the TLS connection failed, mostly because the server's
	// certificate is not trusted, expired or not valid for its name.
	ErrTLS = errors.New("sync server certificate not valid or not trusted (TLS)")
	// ErrAuth: the access key is unknown or the secret key is wrong.
	ErrAuth = errors.New("sync access keys refused")
	// ErrNoBucket: the bucket does not exist.
	ErrNoBucket = errors.New("sync bucket does not exist")
	// ErrTimeout: the server did not answer in time.
	ErrTimeout = errors.New("sync server did not answer in time")
	// ErrUnreachable: nothing answers at the server's address (connection
	// refused, no route to host).
	ErrUnreachable = errors.New("sync server unreachable")
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultRetries    = 4
	DefaultRetryDelay = 200 * time.Millisecond
	DefaultRegion     = "us-east-1"

	maxRetryDelay = 5 * time.Second
	// maxObjectSize bounds what Get accepts to read into memory; the
	// engine's objects are at most 8 MB.
	maxObjectSize = 256 << 20
	// pageSize is the number of names asked for per List request (the S3
	// maximum).
	pageSize = 1000
)

// Config describes the bucket to use.
type Config struct {
	// Endpoint is the server's base address, "https://host[:port]". Plain
	// http:// is refused.
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	// CAFile optionally names a PEM file of extra certificate authorities
	// to trust besides the system's; CAPEM holds the same as bytes. Both
	// may be set. Certificates are always verified.
	CAFile string
	CAPEM  []byte
	// Region is the signing region, "us-east-1" by default.
	Region string
	// Timeout bounds each request (connect, TLS handshake, answer and, for
	// Get, the body); 30 s by default.
	Timeout time.Duration
	// Retries is how many times a request that failed in a transient way
	// (network error, 5xx, truncated answer) is tried again; 4 by default,
	// negative for none.
	Retries int
	// RetryDelay is the wait before the first retry, doubled at each
	// further retry (with random jitter, at most 5 s); 200 ms by default.
	RetryDelay time.Duration
}

// Client is an engine.Remote on one bucket. It is safe for concurrent use.
type Client struct {
	mc         *minio.Client
	bucket     string
	timeout    time.Duration
	retries    int
	retryDelay time.Duration
}

var _ engine.Remote = (*Client)(nil)

// New checks the configuration and builds a client. It does not reach the
// network: Check does.
func New(c Config) (*Client, error) {
	host, err := parseEndpoint(c.Endpoint)
	if err != nil {
		return nil, err
	}
	if c.Bucket == "" {
		return nil, errors.New("sync bucket name is empty")
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, errors.New("sync access key or secret key is empty")
	}
	c = withDefaults(c)
	pool, err := rootPool(c.CAFile, c.CAPEM)
	if err != nil {
		return nil, err
	}
	mc, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       true,
		Transport:    newTransport(pool, c.Timeout),
		Region:       c.Region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1, // retries are ours, see (*Client).retry
	})
	if err != nil {
		return nil, fmt.Errorf("sync client: %w", err)
	}
	return &Client{mc: mc, bucket: c.Bucket, timeout: c.Timeout, retries: c.Retries, retryDelay: c.RetryDelay}, nil
}

// parseEndpoint checks that endpoint is an https:// URL without path and
// returns its host[:port].
func parseEndpoint(endpoint string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", errors.New("sync endpoint is not a valid https:// address")
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", errors.New("sync endpoint must use https://")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("sync endpoint must be a bare https://host[:port] address, without path or credentials")
	}
	return u.Host, nil
}

func withDefaults(c Config) Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	return c
}

// rootPool returns the system's roots plus the CAs of caFile and caPEM.
func rootPool(caFile string, caPEM []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("sync CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("sync CA file %s holds no PEM certificate", caFile)
		}
	}
	if len(bytes.TrimSpace(caPEM)) > 0 && !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("sync CA certificate is not a valid PEM certificate")
	}
	return pool, nil
}

// newTransport clones http.DefaultTransport (so HTTPS_PROXY is honoured)
// with verified TLS 1.2+ against pool and timeouts on every step of a
// request.
func newTransport(pool *x509.CertPool, timeout time.Duration) *http.Transport {
	t := &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, MaxIdleConns: 100,
		IdleConnTimeout: 90 * time.Second, ExpectContinueTimeout: time.Second}
	if base, ok := http.DefaultTransport.(*http.Transport); ok {
		t = base.Clone()
	}
	t.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.TLSHandshakeTimeout = timeout
	t.ResponseHeaderTimeout = timeout
	return t
}

// Check verifies that the server answers, its certificate is trusted, the
// keys are accepted and the bucket exists. Its errors wrap ErrDNS, ErrTLS,
// ErrAuth, ErrNoBucket, ErrTimeout or ErrUnreachable when they apply.
func (c *Client) Check(ctx context.Context) error {
	// A listing, unlike HEAD bucket, answers errors with an S3 error code,
	// and it needs the permission that sync needs most.
	return c.retry(ctx, "check", func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for obj := range c.mc.ListObjectsIter(ctx, c.bucket, minio.ListObjectsOptions{MaxKeys: 1}) {
			return obj.Err
		}
		return nil
	})
}

// Put stores data under name with a single PUT, replacing any object of
// that name.
func (c *Client) Put(ctx context.Context, name string, data []byte) error {
	return c.retry(ctx, "put", func(ctx context.Context) error {
		_, err := c.mc.PutObject(ctx, c.bucket, name, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
			ContentType:      "application/octet-stream",
			DisableMultipart: true,
			SendContentMd5:   true, // the server checks what it received
		})
		return err
	})
}

// Get returns the object's bytes, or an error wrapping engine.ErrNotFound.
// A body shorter or longer than its announced size is retried.
func (c *Client) Get(ctx context.Context, name string) ([]byte, error) {
	var data []byte
	err := c.retry(ctx, "get", func(ctx context.Context) error {
		var err error
		data, err = c.getOnce(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

func (c *Client) getOnce(ctx context.Context, name string) ([]byte, error) {
	body, info, _, err := minio.Core{Client: c.mc}.GetObject(ctx, c.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return readExactly(body, info.Size)
}

// readExactly reads a body announced to hold size bytes, failing with
// io.ErrUnexpectedEOF when it is shorter or longer.
func readExactly(r io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return nil, errors.New("object size missing from the answer")
	}
	if size > maxObjectSize {
		return nil, fmt.Errorf("object of %d bytes is larger than the %d accepted", size, maxObjectSize)
	}
	data := make([]byte, size)
	if n, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("object body cut after %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
	}
	if n, _ := r.Read(make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("object body longer than its %d announced bytes: %w", size, io.ErrUnexpectedEOF)
	}
	return data, nil
}

// List returns the names of every object whose name starts with prefix, in
// lexical order. Each page is retried on its own: a failed listing resumes
// after the last name received.
func (c *Client) List(ctx context.Context, prefix string) ([]string, error) {
	var names []string
	for {
		var page []string
		err := c.retry(ctx, "list", func(ctx context.Context) error {
			var err error
			page, err = c.listPage(ctx, prefix, lastOf(names))
			return err
		})
		if err != nil {
			return nil, err
		}
		names = append(names, page...)
		if len(page) < pageSize {
			return names, nil
		}
	}
}

// listPage returns up to pageSize names after startAfter ("" for the
// first page).
func (c *Client) listPage(ctx context.Context, prefix, startAfter string) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := minio.ListObjectsOptions{Prefix: prefix, Recursive: true, StartAfter: startAfter, MaxKeys: pageSize}
	page := make([]string, 0, pageSize)
	for obj := range c.mc.ListObjectsIter(ctx, c.bucket, opts) {
		if obj.Err != nil {
			return nil, obj.Err
		}
		page = append(page, obj.Key)
		if len(page) == pageSize {
			break // the next page gets its own request, timeout and retries
		}
	}
	return page, nil
}

func lastOf(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// Delete removes the object; deleting a missing object is not an error.
func (c *Client) Delete(ctx context.Context, name string) error {
	return c.retry(ctx, "delete", func(ctx context.Context) error {
		err := c.mc.RemoveObject(ctx, c.bucket, name, minio.RemoveObjectOptions{})
		if errors.Is(classify(err), engine.ErrNotFound) {
			return nil
		}
		return err
	})
}

// retry runs attempt, each time with its own timeout, until it succeeds,
// fails in a way that retrying cannot fix, ctx ends or the retries are
// spent. The error returned is cleaned of URLs and classified.
func (c *Client) retry(ctx context.Context, op string, attempt func(context.Context) error) error {
	var err error
	for n := 0; ; n++ {
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		err = attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || n >= c.retries || !transient(err) {
			break
		}
		if sleep(ctx, c.backoff(n)) != nil {
			break
		}
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w (after %w)", ctx.Err(), err)
	}
	return wrap(op, err)
}

// backoff is the wait before retry n+1: between half and all of
// RetryDelay·2ⁿ, at most maxRetryDelay.
func (c *Client) backoff(n int) time.Duration {
	d := c.retryDelay << min(n, 16)
	if d <= 0 || d > maxRetryDelay {
		d = maxRetryDelay
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transient tells whether err may go away by trying again: network errors,
// timeouts, cut answers and server-side (5xx, throttling) errors.
func transient(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	switch classify(err) {
	case ErrTimeout, ErrUnreachable:
		return true
	case nil:
	default: // certificate, keys, bucket, object
		return false
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode == http.StatusRequestTimeout || retryableCodes[resp.Code]
	}
	return true // connection reset or closed, cut answers (io.ErrUnexpectedEOF)…
}

var retryableCodes = map[string]bool{
	"InternalError": true, "RequestTimeout": true, "ServiceUnavailable": true, "SlowDown": true,
	"Throttling": true, "ThrottlingException": true, "RequestLimitExceeded": true, "RequestThrottled": true,
}

var authCodes = map[string]bool{
	"AccessDenied": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"InvalidToken": true, "ExpiredToken": true, "InvalidSecurity": true, "RequestTimeTooSkewed": true,
	"XAdminUserNotFound": true, // versitygw's answer to an unknown access key
}

// classify returns the error class of err (one of the Err… sentinels of
// this package or engine.ErrNotFound), or nil.
func classify(err error) error {
	if err == nil {
		return nil
	}
	for _, class := range []error{ErrDNS, ErrTLS, ErrAuth, ErrNoBucket, ErrTimeout, ErrUnreachable, engine.ErrNotFound} {
		if errors.Is(err, class) {
			return class
		}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return ErrDNS
	case isTLSError(err):
		return ErrTLS
	case isTimeout(err):
		return ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ErrUnreachable
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return nil
	}
	switch {
	case authCodes[resp.Code] || resp.StatusCode == http.StatusForbidden:
		return ErrAuth
	case resp.Code == "NoSuchBucket":
		return ErrNoBucket
	case resp.Code == "NoSuchKey":
		return engine.ErrNotFound
	}
	return nil
}

func isTLSError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		header   tls.RecordHeaderError
		alert    tls.AlertError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &header) || errors.As(err, &alert) ||
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

// wrap prefixes err with the operation and its class, and hides the
// request paths (which hold the bucket and object names) in its message.
func wrap(op string, err error) error {
	class := classify(err)
	err = &redacted{err: err}
	if class == nil || errors.Is(err, class) {
		return fmt.Errorf("s3 %s: %w", op, err)
	}
	return fmt.Errorf("s3 %s: %w: %w", op, class, err)
}

// urlPath matches the path of the URLs that net/http and minio-go put in
// their error messages.
var urlPath = regexp.MustCompile(`(https?://[^/\s"]+)/[^\s"]*`)

// redacted is an error whose message has its URL paths replaced by "…";
// errors.Is and errors.As still see the original.
type redacted struct{ err error }

func (e *redacted) Error() string { return urlPath.ReplaceAllString(e.err.Error(), "$1/…") }
func (e *redacted) Unwrap() error { return e.err }
