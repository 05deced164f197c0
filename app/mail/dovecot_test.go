package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dovecot runs Debian's Dovecot as a throw-away IMAPS server on loopback,
// serving a maildir the test writes into. It needs root (Dovecot switches
// to its own users); CI runs as root.
type dovecot struct {
	t       *testing.T
	dir     string
	port    int
	cmd     *exec.Cmd
	uid     int
	gid     int
	maildir string
}

func startDovecot(t *testing.T) (*dovecot, []byte) {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/dovecot"); err != nil {
			t.Fatal("Dovecot (dovecot-imapd, installed by packaging/deps.sh --ci) is missing")
		}
		bin = "/usr/sbin/dovecot"
	}
	if os.Geteuid() != 0 {
		t.Skip("Dovecot's throw-away server needs root to switch users; CI runs this test as root")
	}
	cert, caPEM := testCA(t)
	dir, err := os.MkdirTemp("", "cabinet-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	keyDER, _ := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	os.WriteFile(filepath.Join(dir, "cert.pem"), caPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	mailUser, err := user.Lookup("mail")
	if err != nil {
		t.Fatal(err)
	}
	d := &dovecot{t: t, dir: dir, maildir: filepath.Join(dir, "home", "Maildir")}
	d.uid, _ = strconv.Atoi(mailUser.Uid)
	d.gid, _ = strconv.Atoi(mailUser.Gid)
	for _, sub := range []string{"new", "cur", "tmp"} {
		os.MkdirAll(filepath.Join(d.maildir, sub), 0o700)
	}
	filepath.Walk(filepath.Join(dir, "home"), func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, d.uid, d.gid) })
	os.WriteFile(filepath.Join(dir, "users"), []byte(fmt.Sprintf("cabinet:{PLAIN}mot-de-passe-imap:%d:%d::%s/home\n", d.uid, d.gid, dir)), 0o644)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	d.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	os.MkdirAll(filepath.Join(dir, "run"), 0o755)
	conf := fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/run
log_path = /dev/stderr
ssl = required
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = %[1]s/users
}
userdb {
  driver = passwd-file
  args = %[1]s/users
}
mail_location = maildir:%[1]s/home/Maildir
first_valid_uid = 1
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
service imap-login {
  chroot =
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = %[2]d
    ssl = yes
  }
}
service anvil {
  chroot =
}
`, dir, d.port)
	os.WriteFile(filepath.Join(dir, "dovecot.conf"), []byte(conf), 0o644)
	d.cmd = exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	d.start()
	t.Cleanup(func() { d.stop(); os.RemoveAll(dir) })
	return d, caPEM
}

func (d *dovecot) start() {
	d.cmd = exec.Command(d.cmd.Path, d.cmd.Args[1:]...)
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", d.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.t.Fatal("Dovecot did not start")
}

func (d *dovecot) stop() {
	d.cmd.Process.Signal(os.Interrupt)
	d.cmd.Wait()
}

var seq int

// deliver drops a message into the maildir, as the local delivery agent
// would.
func (d *dovecot) deliver(raw string) {
	seq++
	p := filepath.Join(d.maildir, "new", fmt.Sprintf("%d.%d.cabinet-test", time.Now().UnixNano(), seq))
	os.WriteFile(p, []byte(strings.ReplaceAll(raw, "\n", "\r\n")), 0o600)
	os.Chown(p, d.uid, d.gid)
}

// resetUIDValidity forgets Dovecot's UIDs, as a rebuilt mailbox would.
func (d *dovecot) resetUIDValidity() {
	d.stop()
	files, _ := filepath.Glob(filepath.Join(d.maildir, "dovecot*"))
	for _, f := range files {
		os.Remove(f)
	}
	d.start()
}

func TestIntakeFromDovecotOverTLS(t *testing.T) {
	d, ca := startDovecot(t)
	p, h := practiceWithMail(t, d.port, ca)
	ctx := context.Background()
	a, _, _ := p.MailAccount(ctx)
	a.Password = "mot-de-passe-imap"
	if err := p.SetMailAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := Check(a); err != nil {
		t.Fatalf("check against Dovecot: %v", err)
	}
	d.deliver(fromPatient("d1", "Compte rendu ; droit d'accès"))
	d.deliver(fromStranger)
	rep, err := Intake(ctx, p, nil)
	if err != nil || rep.New != 2 || rep.Routed != 1 || rep.Rights != 1 {
		t.Fatalf("first run %+v %v", rep, err)
	}
	if docs, _ := p.Documents(ctx, h.ID); len(docs) != 1 {
		t.Errorf("attachment not filed: %+v", docs)
	}
	if rep, err := Intake(ctx, p, nil); err != nil || rep.New != 0 {
		t.Fatalf("second run %+v %v", rep, err)
	}
	d.resetUIDValidity()
	d.deliver(fromPatient("d2", "Merci"))
	rep, err = Intake(ctx, p, nil)
	if err != nil || rep.New != 1 || rep.Duplicate != 2 {
		t.Fatalf("after a UIDVALIDITY reset %+v %v", rep, err)
	}
}
