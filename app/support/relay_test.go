package support

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// startRelay runs Debian's OpenSSH server on loopback as a support relay
// that lets authorizedKey forward ports, and returns its address and host
// key fingerprint.
func startRelay(t *testing.T, authorizedKey string) (addr, fingerprint string) {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/sshd"); err != nil {
			t.Fatal("the OpenSSH server (openssh-server, installed by packaging/deps.sh --ci) is missing")
		}
		sshd = "/usr/sbin/sshd"
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	hostKey := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pubRaw, _ := os.ReadFile(hostKey + ".pub")
	pub, _, _, _, err := ssh.ParseAuthorizedKey(pubRaw)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(authorizedKey+"\n"), 0o600)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr = ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cfg := fmt.Sprintf(`Port %s
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowTcpForwarding yes
GatewayPorts no
`, port, hostKey, filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))
	cfgPath := filepath.Join(dir, "sshd_config")
	os.WriteFile(cfgPath, []byte(cfg), 0o600)
	os.MkdirAll("/run/sshd", 0o755) // privilege separation directory, when run as root
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfgPath)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case logs <- sc.Text():
			default:
			}
		}
	}()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, ssh.FingerprintSHA256(pub)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var l []string
	for len(logs) > 0 {
		l = append(l, <-logs)
	}
	t.Fatalf("sshd did not start: %s", strings.Join(l, "\n"))
	return "", ""
}

func TestRelayModeThroughOpenSSHServer(t *testing.T) {
	p, _ := unlocked(t)
	key, err := p.SupportClientKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.SupportClientKey(context.Background())
	if !key.Equal(again) {
		t.Fatal("the client key changes between calls")
	}
	pub, _ := ssh.NewPublicKey(key.Public())
	relayAddr, fp := startRelay(t, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))))
	me, _ := user.Current()

	// A wrong pin is refused before anything is forwarded.
	if _, _, err := Start(p, Options{Relay: &Relay{User: me.Username, Addr: relayAddr, Fingerprint: "SHA256:wrong", Key: key}, Version: "test"}); err == nil ||
		!strings.Contains(err.Error(), "épinglée") {
		t.Fatalf("wrong pin: %v", err)
	}
	g, pw := grant(t, p, Options{Relay: &Relay{User: me.Username, Addr: relayAddr, Fingerprint: fp, Key: key}})
	host, _, _ := net.SplitHostPort(g.Addr())
	if host != "127.0.0.1" || g.Addr() == relayAddr {
		t.Fatalf("forwarded address %s", g.Addr())
	}
	out := openssh(t, g.Addr(), pw, "Relais Test (Support)\nstatus\nexit\nvia le relais\n")
	if !strings.Contains(out, "Cabinet test") {
		t.Fatalf("console through the relay:\n%s", out)
	}
	forwarded := g.Addr()
	g.End("done")
	time.Sleep(200 * time.Millisecond)
	if login(forwarded, pw) == nil {
		t.Error("the relay still forwards after the grant ended")
	}
	ls, _ := p.SupportSessions(context.Background())
	if len(ls) != 1 || ls[0].Person != "Relais Test (Support)" {
		t.Errorf("log %+v", ls)
	}
}
