package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cabinet-sante/cabinet/app/mail"
	"github.com/cabinet-sante/cabinet/app/practice"
)

func cmdMail(c *cli, args []string) error {
	usage := errors.New("usage: cabinet mail configure --host H [--port P] --user U --password-file F [--folder INBOX] [--starttls] [--ca-file F] [--after leave|seen] | mail check | mail intake [--json] | mail list [--intake] [--json] | mail assign MESSAGE --patient ID | mail rights MESSAGE | mail discard MESSAGE")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	fs := c.flags("mail " + sub)
	ctx := context.Background()
	switch sub {
	case "configure":
		var a practice.MailAccount
		fs.StringVar(&a.Host, "host", "", "IMAP server")
		fs.IntVar(&a.Port, "port", 0, "port (993 with TLS, 143 with STARTTLS)")
		fs.StringVar(&a.User, "user", "", "user name")
		pwFile := fs.String("password-file", "", "file holding the password (never on the command line)")
		fs.StringVar(&a.Folder, "folder", "INBOX", "folder to read")
		fs.BoolVar(&a.StartTLS, "starttls", false, "STARTTLS on port 143 instead of implicit TLS")
		caFile := fs.String("ca-file", "", "extra CA certificate (PEM) to trust")
		fs.StringVar(&a.After, "after", "leave", "after import: leave, seen (mark read) or move:FOLDER; messages are never deleted")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if *pwFile == "" {
			return errors.New("--password-file FILE is required: a password never goes on the command line")
		}
		pw, err := os.ReadFile(*pwFile)
		if err != nil {
			return err
		}
		a.Password = strings.TrimRight(strings.SplitN(string(pw), "\n", 2)[0], "\r")
		if *caFile != "" {
			if a.CAPEM, err = os.ReadFile(*caFile); err != nil {
				return err
			}
		}
		if a.After != "leave" && a.After != "seen" && !(strings.HasPrefix(a.After, "move:") && len(a.After) > 5) {
			return errors.New("--after: leave, seen or move:FOLDER")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		if err := p.SetMailAccount(ctx, a); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, c.t("Compte de messagerie enregistré (mot de passe scellé dans le coffre).", "Mail account saved (password sealed in the vault)."))
		return nil
	case "assign", "rights", "discard":
		pid := fs.String("patient", "", "patient id (assign)")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: cabinet mail assign MESSAGE --patient ID | mail rights MESSAGE | mail discard MESSAGE")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		switch sub {
		case "assign":
			if _, err := p.AssignMail(ctx, pos[0], *pid); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, c.t("Message classé.", "Message filed."))
		case "rights":
			r, err := p.OpenRightFromMail(ctx, pos[0], "")
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, c.t("Demande enregistrée : réponse due le %s.\n", "Request recorded: answer due on %s.\n"), r.Due)
			fmt.Fprintln(c.stdout, r.ID)
		default:
			if err := p.DiscardMail(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, c.t("Copie locale supprimée.", "Local copy deleted."))
		}
		return nil
	case "check", "intake", "list":
		asJSON := fs.Bool("json", false, "JSON output")
		intakeOnly := fs.Bool("intake", false, "only messages waiting for a patient")
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		if sub == "list" {
			ms, err := p.MailMessages(ctx, *intakeOnly)
			if err != nil {
				return err
			}
			if *asJSON {
				if ms == nil {
					ms = []practice.MailMessage{}
				}
				return writeJSON(c, ms)
			}
			for _, m := range ms {
				fmt.Fprintf(c.stdout, "%s  %s  %s  %s  %s\n", m.ID, m.Date.Format("02/01/2006"), m.From, m.Subject, m.RightsKind)
			}
			return nil
		}
		a, on, err := p.MailAccount(ctx)
		if err != nil {
			return err
		}
		if !on {
			return errors.New(c.t("la messagerie n'est pas configurée (cabinet mail configure)", "mail is not configured (cabinet mail configure)"))
		}
		if sub == "check" {
			if err := mail.Check(a); err != nil {
				var me *mail.Error
				if errors.As(err, &me) && c.lang != "en" {
					return errors.New(me.French())
				}
				return err
			}
			fmt.Fprintln(c.stdout, c.t("Connexion réussie : serveur, certificat, identifiants et dossier vérifiés.", "Connection works: server, certificate, credentials and folder checked."))
			return nil
		}
		rep, err := mail.Intake(ctx, p, func(done, total int) {
			fmt.Fprintf(c.stderr, "\r%s %d/%d", c.t("Messages :", "Messages:"), done, total)
			if done == total {
				fmt.Fprintln(c.stderr)
			}
		})
		if err != nil {
			var me *mail.Error
			if errors.As(err, &me) && c.lang != "en" {
				return errors.New(me.French())
			}
			return err
		}
		if *asJSON {
			return writeJSON(c, rep)
		}
		fmt.Fprintf(c.stdout, c.t("%d nouveau(x) message(s) : %d classé(s) dans un dossier patient, %d à trier, %d demande(s) RGPD repérée(s).\n",
			"%d new message(s): %d filed in a patient's record, %d to sort, %d GDPR request(s) spotted.\n"), rep.New, rep.Routed, rep.Intake, rep.Rights)
		return nil
	}
	return usage
}
