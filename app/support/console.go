// Package support is Cabinet's remote-support adapter: an SSH server
// (golang.org/x/crypto/ssh) that listens only while the practitioner
// grants a session, admits each one-time password once, asks the support
// person's name, and offers a restricted console — never a system shell —
// whose every command is mirrored to the practitioner and logged in the
// vault.
package support

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

// maxLine bounds a console line.
const maxLine = 256

// ErrUnknownCommand: not in the console's command set.
var ErrUnknownCommand = errors.New("commande inconnue (tapez help)")

// Parse splits a console line into a command and its arguments. Only
// printable ASCII words are accepted: the console has no quoting, no
// pipes and no shell.
func Parse(line string) (string, []string, error) {
	if len(line) > maxLine {
		return "", nil, fmt.Errorf("ligne trop longue (%d caractères au plus)", maxLine)
	}
	for _, r := range line {
		if r < 0x20 || r > 0x7e {
			if r == '\t' {
				continue
			}
			return "", nil, errors.New("caractère non permis")
		}
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", nil, nil
	}
	cmd := strings.ToLower(f[0])
	if _, ok := commands[cmd]; !ok {
		return "", nil, ErrUnknownCommand
	}
	if len(f)-1 > 3 {
		return "", nil, errors.New("trop d'arguments")
	}
	return cmd, f[1:], nil
}

var commands = map[string]string{
	"help":    "liste des commandes",
	"status":  "état de Cabinet et du coffre",
	"version": "version de Cabinet",
	"sysinfo": "système : OS, architecture, processeurs, Go",
	"check":   "vérifie l'intégrité du coffre (déchiffre et authentifie chaque valeur)",
	"audit":   "vérifie la chaîne du journal d'audit",
	"reindex": "reconstruit l'index de recherche",
	"backup":  "sauvegarde chiffrée vérifiée, dans le dossier backups du coffre",
	"logs":    "journal applicatif récent (sans donnée patient)",
	"sync":    "état de la synchronisation",
	"mail":    "état de la réception de courriels",
	"compact": "taille du coffre et espace libre récupérable",
	"config":  "config get | config set CLÉ VALEUR : réglages non secrets",
	"patient": "patient show ID : lecture seule, si le praticien l'a autorisé pour cette session",
	"exit":    "termine la connexion",
	"quit":    "termine la connexion",
}

// Env is what the console needs from the application.
type Env struct {
	P            *practice.Practice
	Version      string
	AllowPatient bool
	Logs         func() []string          // recent application log lines, never patient data
	Config       func() map[string]string // non-secret settings
}

// Run executes one parsed command for person and writes its output.
func (e *Env) Run(ctx context.Context, w io.Writer, person, cmd string, args []string) error {
	p := e.P
	out := func(format string, a ...any) { fmt.Fprintf(w, format+"\r\n", a...) }
	switch cmd {
	case "help":
		for _, name := range []string{"status", "version", "sysinfo", "check", "audit", "reindex", "backup", "compact", "logs", "sync", "mail", "config", "patient", "exit"} {
			if name == "patient" && !e.AllowPatient {
				continue
			}
			out("  %-8s %s", name, commands[name])
		}
	case "status":
		state := "verrouillé"
		if p.Unlocked() {
			state = fmt.Sprintf("déverrouillé, %d patients indexés", p.PatientCount())
		}
		out("Cabinet %s — coffre %s — %s", e.Version, p.VaultID(), state)
	case "version":
		out("Cabinet version %s (%s)", e.Version, runtime.Version())
	case "sysinfo":
		host, _ := os.Hostname()
		out("hôte %s — %s/%s — %d processeurs — %s", host, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	case "check":
		start := time.Now()
		if err := p.CheckVault(); err != nil {
			out("intégrité du coffre : ERREUR — %v", err)
			return nil
		}
		out("intégrité du coffre : OK (%s)", time.Since(start).Round(time.Millisecond))
	case "audit":
		rep, err := p.VerifyAudit()
		switch {
		case err != nil:
			out("journal d'audit : ERREUR — %v", err)
		case rep.Break != nil:
			out("journal d'audit : chaîne rompue à l'entrée %d (%s)", rep.Break.Seq, rep.Break.Reason)
		default:
			out("journal d'audit : %d entrées, chaîne intacte", rep.Entries)
		}
	case "reindex":
		if err := p.Reindex(); err != nil {
			out("réindexation : ERREUR — %v", err)
			return nil
		}
		out("index reconstruit : %d patients", p.PatientCount())
	case "backup":
		path := filepath.Join(p.Dir(), "backups", "support-"+time.Now().Format("20060102-150405")+".vault")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			out("sauvegarde : ERREUR — %v", err)
			return nil
		}
		if err := p.Backup(ctx, path); err != nil {
			out("sauvegarde : ERREUR — %v", err)
			return nil
		}
		out("sauvegarde vérifiée : %s", path)
	case "compact":
		st, err := p.Vault().Stats()
		if err != nil {
			out("compact : ERREUR — %v", err)
			return nil
		}
		free := int64(st.FreePages) * int64(st.PageSize)
		out("coffre : %.1f Mo, dont %.1f Mo de pages libres (%.0f %%)", float64(st.FileSize)/1e6, float64(free)/1e6, 100*float64(free)/float64(max(st.FileSize, 1)))
		out("le compactage se fait coffre fermé : sauvegarde (backup) puis restauration par le praticien ; les pages libres sont réutilisées d'ici là")
	case "logs":
		var lines []string
		if e.Logs != nil {
			lines = e.Logs()
		} else {
			lines = recentJournal(p, 30)
		}
		if len(lines) == 0 {
			out("aucune ligne de journal applicatif")
		}
		for _, l := range lines {
			out("%s", l)
		}
	case "sync":
		out("synchronisation : désactivée")
	case "mail":
		out("réception de courriels : désactivée")
	case "config":
		switch {
		case len(args) == 1 && args[0] == "get":
			cfg, err := p.Config(ctx)
			if err != nil {
				out("config : ERREUR — %v", err)
				return nil
			}
			for _, k := range practice.ConfigKeys() {
				out("%s = %s", k, cfg[k])
			}
			if e.Config != nil {
				for k, v := range e.Config() {
					out("%s = %s", k, v)
				}
			}
		case len(args) == 3 && args[0] == "set":
			if err := p.SetConfig(ctx, args[1], args[2], "support: "+person); err != nil {
				out("config : %s", msg.Text(err, msg.FR))
				return nil
			}
			out("%s = %s (enregistré, inscrit au journal d'audit)", args[1], args[2])
		default:
			out("usage : config get | config set CLÉ VALEUR")
		}
	case "patient":
		if !e.AllowPatient {
			out("consultation des données patients non autorisée pour cette session")
			return nil
		}
		if len(args) != 2 || args[0] != "show" {
			out("usage : patient show ID")
			return nil
		}
		pt, err := p.PatientForSupport(ctx, args[1], person)
		if err != nil {
			out("patient : introuvable")
			return nil
		}
		out("%s — né(e) le %s — NIR %s", pt.DisplayName(), pt.BirthDate, pt.NIR)
	}
	return nil
}

// recentJournal is the application's recent activity, from the audit
// journal: times, actions and actors only — objects are random ids and
// details never hold patient data.
func recentJournal(p *practice.Practice, n int) []string {
	var lines []string
	p.AuditEntries(func(a store.AuditEntry) error {
		lines = append(lines, fmt.Sprintf("%s %-22s %s", a.Time.In(practice.Paris()).Format("2006-01-02 15:04:05"), a.Action, a.Actor))
		if len(lines) > n {
			lines = lines[1:]
		}
		return nil
	})
	return lines
}
