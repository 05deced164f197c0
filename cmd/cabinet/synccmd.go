package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

const syncUsage = "usage: cabinet sync enable --endpoint URL --bucket B --access-key-file F --secret-key-file F [--ca-file F] [--host NAME] [--hds-cert REF] | " +
	"sync now | sync status [--json] | sync join --endpoint URL --bucket B --access-key-file F --secret-key-file F --recovery-key-file F [--ca-file F] | " +
	"sync disable [--forget-remote] | sync conflicts [--json] | sync resolve ID --restore|--drop"

// accountFlags are the flags that name the host's bucket; secrets come
// from files, never from the command line.
type accountFlags struct {
	a                              practice.SyncAccount
	accessFile, secretFile, caFile *string
}

func addAccountFlags(fs *flag.FlagSet) *accountFlags {
	f := &accountFlags{}
	fs.StringVar(&f.a.Endpoint, "endpoint", "", "the host's S3 address (https://...)")
	fs.StringVar(&f.a.Bucket, "bucket", "", "the bucket")
	fs.StringVar(&f.a.Host, "host", "", "the HDS host's name, for the register of processing")
	fs.StringVar(&f.a.HDSCertificate, "hds-cert", "", "the host's HDS certificate reference")
	f.accessFile = fs.String("access-key-file", "", "file holding the access key")
	f.secretFile = fs.String("secret-key-file", "", "file holding the secret key")
	f.caFile = fs.String("ca-file", "", "extra CA certificate (PEM) to trust")
	return f
}

func firstLine(path, what string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("--%s FILE is required: keys never go on the command line", what)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return line, nil
}

func (f *accountFlags) account() (practice.SyncAccount, error) {
	a := f.a
	var err error
	if a.AccessKey, err = firstLine(*f.accessFile, "access-key-file"); err != nil {
		return a, err
	}
	if a.SecretKey, err = firstLine(*f.secretFile, "secret-key-file"); err != nil {
		return a, err
	}
	if *f.caFile != "" {
		b, err := os.ReadFile(*f.caFile)
		if err != nil {
			return a, err
		}
		a.CA = string(b)
	}
	return a, a.Validate()
}

func cmdSync(c *cli, args []string) error {
	usage := errors.New(syncUsage)
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	fs := c.flags("sync " + sub)
	acct := addAccountFlags(fs)
	asJSON := fs.Bool("json", false, "JSON output")
	forget := fs.Bool("forget-remote", false, "first delete the practice's objects from the bucket")
	rkFile := fs.String("recovery-key-file", "", "file holding the practice's recovery key (join)")
	restore := fs.Bool("restore", false, "make the kept version current again (resolve)")
	drop := fs.Bool("drop", false, "discard the kept version (resolve)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	if sub == "join" {
		return c.syncJoin(ctx, acct, *rkFile)
	}
	var a practice.SyncAccount
	if sub == "enable" {
		if a, err = acct.account(); err != nil {
			return err
		}
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	switch sub {
	case "enable":
		fr, en := syncer.Describe()
		fmt.Fprintln(c.stdout, c.t(fr, en))
		st, err := syncer.Enable(ctx, p, a)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, c.t("Synchronisation activée (poste %s, série de factures « %s ») : lancez cabinet sync now pour le premier envoi.\n",
			"Sync on (device %s, invoice series \"%s\"): run cabinet sync now for the first upload.\n"), st.Device, st.Series)
		return nil
	case "now":
		rep, err := syncer.Now(ctx, p, func(done, total int64) {
			if total > 0 {
				fmt.Fprintf(c.stderr, "\r%3d %%", done*100/total)
			}
		})
		if rep.Segments > 0 {
			fmt.Fprintln(c.stderr)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, c.t("Envoyés : %d, reçus : %d, conflits : %d, retenus sur ce poste (opposition à l'hébergement) : %d\n",
			"Sent: %d, received: %d, conflicts: %d, kept on this device (objection to hosting): %d\n"), rep.Sent, rep.Applied, rep.Conflicts, rep.Held)
		return nil
	case "status":
		st, err := syncer.Status(p)
		if err != nil {
			return err
		}
		a, _, err := p.SyncAccount(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(c.stdout).Encode(map[string]any{
				"on": st.On, "device": st.Device, "series": st.Series, "pending": st.Pending, "conflicts": st.Conflicts,
				"last_success": st.LastSuccess, "last_error": st.LastError, "host": a.Host, "endpoint": a.Endpoint, "bucket": a.Bucket,
			})
		}
		if !st.On {
			fmt.Fprintln(c.stdout, c.t("Synchronisation désactivée.", "Sync is off."))
			return nil
		}
		last := c.t("jamais", "never")
		if !st.LastSuccess.IsZero() {
			last = st.LastSuccess.In(practice.Paris()).Format("02/01/2006 15:04")
		}
		fmt.Fprintf(c.stdout, c.t("Synchronisation activée avec %s (%s)\nPoste : %s, série « %s »\nDernière réussite : %s\nEn attente d'envoi : %d\nConflits à revoir : %d\n",
			"Sync on with %s (%s)\nDevice: %s, series \"%s\"\nLast success: %s\nWaiting to be sent: %d\nConflicts to review: %d\n"),
			a.Host, a.Bucket, st.Device, st.Series, last, st.Pending, st.Conflicts)
		if st.LastError != "" {
			fmt.Fprintln(c.stdout, c.t("Dernière erreur : ", "Last error: ")+st.LastError)
		}
		return nil
	case "disable":
		n, err := syncer.Disable(ctx, p, *forget)
		if err != nil {
			return err
		}
		if *forget {
			fmt.Fprintf(c.stdout, c.t("Copie distante effacée (%d objet(s)). ", "Remote copy deleted (%d object(s)). "), n)
		}
		fmt.Fprintln(c.stdout, c.t("Synchronisation désactivée : plus aucun échange avec l'hébergeur.", "Sync off: no more traffic with the host."))
		return nil
	case "conflicts":
		cs, err := syncer.Conflicts(p)
		if err != nil {
			return err
		}
		if *asJSON {
			type row struct {
				ID     string    `json:"id"`
				Kind   string    `json:"kind"`
				Record string    `json:"record"`
				At     time.Time `json:"at"`
				Fields []string  `json:"fields"`
			}
			rows := []row{}
			for _, x := range cs {
				rows = append(rows, row{x.ID.String(), x.Bucket, x.Record.String(), x.At, x.Fields})
			}
			return json.NewEncoder(c.stdout).Encode(rows)
		}
		for _, x := range cs {
			fmt.Fprintf(c.stdout, "%s  %s  %s  %s\n", x.ID, x.At.In(practice.Paris()).Format("02/01/2006 15:04"), x.Bucket, strings.Join(x.Fields, ","))
		}
		return nil
	case "resolve":
		if len(pos) != 1 || *restore == *drop {
			return errors.New("usage: cabinet sync resolve ID --restore|--drop")
		}
		id, err := store.ParseID(pos[0])
		if err != nil {
			return err
		}
		return syncer.Resolve(p, id, *restore)
	}
	return usage
}

func (c *cli) syncJoin(ctx context.Context, acct *accountFlags, rkFile string) error {
	a, err := acct.account()
	if err != nil {
		return err
	}
	rk, err := firstLine(rkFile, "recovery-key-file")
	if err != nil {
		return err
	}
	if store.Exists(c.vault) {
		return store.ErrVaultExists
	}
	pass, err := c.passphrase(c.t("Phrase de passe de ce poste :", "This device's passphrase:"))
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := practice.CheckPassphraseStrength(pass); err != nil {
		return err
	}
	p, rep, err := syncer.Join(ctx, c.vault, pass, rk, a, c.options())
	if p != nil {
		defer p.Close()
	}
	if err != nil {
		return err
	}
	st, _ := syncer.Status(p)
	fmt.Fprintf(c.stdout, c.t("Poste ajouté au cabinet (série de factures « %s ») : %d enregistrement(s) reçus.\n",
		"Device joined the practice (invoice series \"%s\"): %d record(s) received.\n"), st.Series, rep.Applied)
	return nil
}
