package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/term"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

// testStore lets tests use cheap key derivation; it stays nil in the
// program.
var testStore *store.Options

// cli is one invocation: its streams, language and common flags.
type cli struct {
	stdin          io.Reader
	lines          *bufio.Reader
	stdout, stderr io.Writer
	lang           msg.Lang

	vault    string
	passFile string
	keyFile  string // second factor, when the vault has one
	pkcs11   string // PKCS#11 module of the token, when the vault's second factor is one
	pinFile  string // the token's PIN (first line), never an argument
}

type command struct {
	name, usage string
	run         func(c *cli, args []string) error
}

func commands() []command {
	return []command{
		{"init", "init --vault DIR [--passphrase-file FILE]: create a vault; prints the recovery key on the last line", cmdInit},
		{"demo", "demo --vault DIR [--patients N] [--seed S]: create a vault filled with synthetic data (passphrase \"demo\" unless given)", cmdDemo},
		{"patient", "patient add|search|show|edit ...: manage patients", cmdPatient},
		{"import", "import csv|vcard FILE [--dry-run] [--map field=Column,...]: add patients from a file, all or nothing", cmdImport},
		{"consultation", "consultation add --patient ID --reason R ...: record a consultation", cmdConsultation},
		{"settings", "settings [--name N] [--profession P] [--address A] [--rpps R] [--adeli A] [--siret S] [--place TOWN]: the practitioner's details on notes", cmdSettings},
		{"act", "act add --code CODE --label TEXT --price CENTS | act list: the acts catalogue", cmdAct},
		{"invoice", "invoice issue --patient ID --act CODE[:QTY]... [--date D] | pay NUMBER --amount CENTS --method M | list [--year Y] [--json] | show NUMBER | cancel NUMBER --reason R | pdf NUMBER --out FILE [--receipt] | unpaid [--json] | remind NUMBER --out FILE", cmdInvoice},
		{"export", "export patient ID --out FILE.zip | export fec --year Y --siren S --out DIR | export recettes --year Y --out FILE [--names] | export summary --year Y --out FILE.pdf", cmdExport},
		{"rights", "rights open --patient ID --kind KIND | list [--json] | extend ID --reason R | answer ID: patients' rights requests", cmdRights},
		{"consent", "consent --patient ID --purpose P --decision given|refused|withdrawn [--proof paper|signature|oral]", cmdConsent},
		{"restrict", "restrict --patient ID [--lift]: make a record read-only (right to restriction)", cmdRestrict},
		{"erase", "erase --patient ID [--yes]: erase a patient, keeping only what the law requires", cmdErase},
		{"retention", "retention run [--dry-run] [--erase --yes]: archive and list records past their retention period", cmdRetention},
		{"breach", "breach add --what T --risk low|medium|high [--from … --to …] | list [--json] | notify ID --cnil|--patients: the breach register, with its 72-hour countdown", cmdBreach},
		{"consent-history", "consent-history --patient ID --out FILE.pdf: a patient's consents and their history", cmdConsentHistory},
		{"register", "register --out FILE.pdf|FILE.md: the register of processing (art. 30 GDPR)", cmdRegister},
		{"notice", "notice --out FILE.pdf [--notice-lang fr|en]: the patient information notice", cmdNotice},
		{"mail", "mail configure --host H --user U --password-file F [--starttls] [--ca-file F] | check | intake [--json] | list [--intake]: take in the mailbox (IMAP)", cmdMail},
		{"support", "support grant [--minutes N] [--listen ADDR] [--allow-patient-view] | password | log [--json]: remote support, closed unless granted", cmdSupport},
		{"sync", "sync enable|now|status|join|disable|conflicts|resolve: end-to-end-encrypted sync to an HDS host (S3), off by default", cmdSync},
		{"audit", "audit verify|list: check or list the audit journal", cmdAudit},
		{"token", "token set --pkcs11-module M [--pin-file F] | token remove: a PKCS#11 token (CPS card) as second factor of the unlock", cmdToken},
		{"keyfile", "keyfile create --out FILE | keyfile set --file FILE | keyfile remove: a key file as second factor of the unlock", cmdKeyFile},
		{"passwd", "passwd --vault DIR: change the passphrase (old then new, one per line on stdin)", cmdPasswd},
		{"backup", "backup --vault DIR --out FILE: write a verified encrypted backup", cmdBackup},
		{"restore", "restore --vault DIR --from FILE: restore a backup (passphrase of the backup)", cmdRestore},
		{"compact", "compact --vault DIR: rewrite the vault file without its free space (checked before it replaces the file)", cmdCompact},
		{"version", "version: print version, commit and build date", cmdVersion},
	}
}

// run executes a CLI command and returns the exit code. Errors are one line
// on stderr.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, lang: langFromEnv()}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		c.usage(stdout)
		return 0
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			if err := cmd.run(c, args[1:]); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return 0
				}
				fmt.Fprintln(stderr, "cabinet "+cmd.name+": "+oneLine(msg.Text(err, c.lang)))
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "cabinet: unknown command %q (see cabinet help)\n", args[0])
	return 2
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "Cabinet: practice manager for health practitioners.\n\nUsage: cabinet [--vault DIR]   (opens the GUI)\n       cabinet COMMAND [flags]\n\nCommands:")
	for _, cmd := range commands() {
		fmt.Fprintln(w, "  "+cmd.usage)
	}
	fmt.Fprintln(w, "\nThe passphrase comes from --passphrase-file FILE, or standard input when it is not a terminal, never from an argument.")
}

func langFromEnv() msg.Lang {
	for _, v := range []string{"CABINET_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(s, "en") {
				return msg.EN
			}
			return msg.FR
		}
	}
	return msg.FR
}

// t picks the French or English text.
func (c *cli) t(fr, en string) string {
	if c.lang == msg.EN {
		return en
	}
	return fr
}

// flags returns a flag set with the common flags.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&c.vault, "vault", defaultVaultDir(), "vault directory")
	fs.StringVar(&c.passFile, "passphrase-file", "", "file whose first line is the passphrase")
	fs.StringVar(&c.keyFile, "key-file", "", "the vault's key file, when it has one as second factor")
	fs.StringVar(&c.pkcs11, "pkcs11-module", "", "PKCS#11 module (library) of the token, when the vault's second factor is one (CPS card)")
	fs.StringVar(&c.pinFile, "pin-file", "", "file whose first line is the token's PIN (else asked on the terminal)")
	fs.Func("lang", "fr or en", func(s string) error {
		switch s {
		case "fr":
			c.lang = msg.FR
		case "en":
			c.lang = msg.EN
		default:
			return errors.New("fr or en")
		}
		return nil
	})
	return fs
}

// parse lets flags come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// defaultVaultDir is the system's usual per-user data place: XDG data
// home on Linux, %AppData% on Windows, Application Support on macOS.
// CABINET_VAULT overrides it.
func defaultVaultDir() string {
	if d := os.Getenv("CABINET_VAULT"); d != "" {
		return d
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "Cabinet")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "cabinet")
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "cabinet-vault"
	}
	return filepath.Join(home, ".local", "share", "cabinet")
}

func (c *cli) stdinIsTerminal() bool {
	f, ok := c.stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readLine reads one line of standard input (not a terminal).
func (c *cli) readLine() ([]byte, error) {
	if c.lines == nil {
		c.lines = bufio.NewReader(c.stdin)
	}
	line, err := c.lines.ReadBytes('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return nil, err
	}
	return trimEOL(line), nil
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

var errNoPassphrase = msg.New(
	"Phrase de passe manquante : donnez --passphrase-file FICHIER ou envoyez-la sur l'entrée standard.",
	"No passphrase: give --passphrase-file FILE or send it on standard input.")

// passphrase reads the passphrase: from --passphrase-file, from the
// terminal with no echo, or from the next line of standard input.
func (c *cli) passphrase(prompt string) ([]byte, error) {
	if c.passFile != "" {
		b, err := os.ReadFile(c.passFile)
		if err != nil {
			return nil, msg.Wrap(err, "Impossible de lire le fichier de phrase de passe.", "Cannot read the passphrase file.")
		}
		line, _, _ := strings.Cut(string(b), "\n")
		p := trimEOL([]byte(line))
		if len(p) == 0 {
			return nil, errNoPassphrase
		}
		return p, nil
	}
	if c.stdinIsTerminal() {
		fmt.Fprint(c.stderr, prompt+" ")
		p, err := term.ReadPassword(int(c.stdin.(*os.File).Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil || len(p) == 0 {
			return nil, errNoPassphrase
		}
		return p, nil
	}
	p, err := c.readLine()
	if err != nil || len(p) == 0 {
		return nil, errNoPassphrase
	}
	return p, nil
}

func (c *cli) options() *practice.Options {
	return &practice.Options{Store: testStore, Actor: "practitioner (cli)"}
}

// parseOpen parses a command that takes no positional argument, then
// opens and unlocks the vault.
func (c *cli) parseOpen(fs *flag.FlagSet, args []string) (*practice.Practice, error) {
	if _, err := parse(fs, args); err != nil {
		return nil, err
	}
	return c.open()
}

// open opens and unlocks the vault.
func (c *cli) open() (*practice.Practice, error) {
	p, err := practice.Open(c.vault, c.options())
	if err != nil {
		return nil, err
	}
	pass, err := c.passphrase(c.t("Phrase de passe :", "Passphrase:"))
	if err != nil {
		p.Close()
		return nil, err
	}
	defer clear(pass)
	var kf []byte
	switch {
	case p.TokenChallenge() != nil:
		if kf, err = c.tokenSign(p.TokenChallenge()); err != nil {
			p.Close()
			return nil, err
		}
		defer clear(kf)
	case c.keyFile != "":
		if kf, err = os.ReadFile(c.keyFile); err != nil {
			p.Close()
			return nil, msg.Wrap(err, "Impossible de lire le fichier clé.", "Cannot read the key file.")
		}
		defer clear(kf)
	}
	if err := p.UnlockWith(pass, kf); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func cmdVersion(c *cli, args []string) error {
	fmt.Fprintf(c.stdout, "cabinet %s (commit %s, built %s)\n", version, commit, date)
	return nil
}
