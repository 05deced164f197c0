package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cabinet-sante/cabinet/app/practice"
)

func cmdInit(c *cli, args []string) error {
	fs := c.flags("init")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	pass, err := c.passphrase(c.t("Nouvelle phrase de passe :", "New passphrase:"))
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := practice.CheckPassphraseStrength(pass); err != nil {
		return err
	}
	p, rk, err := practice.Create(c.vault, pass, c.options())
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintln(c.stdout, c.t("Coffre créé dans ", "Vault created in ")+c.vault)
	fmt.Fprintln(c.stdout, c.t(
		"Clé de secours (elle ouvre le coffre si la phrase de passe est perdue ; notez-la et gardez-la en lieu sûr, elle ne sera plus affichée) :",
		"Recovery key (it opens the vault if the passphrase is lost; write it down and keep it safe, it will not be shown again):"))
	fmt.Fprintln(c.stdout, rk)
	return nil
}

func cmdPasswd(c *cli, args []string) error {
	fs := c.flags("passwd")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	p, err := practice.Open(c.vault, c.options())
	if err != nil {
		return err
	}
	defer p.Close()
	old, err := c.passphrase(c.t("Phrase de passe actuelle :", "Current passphrase:"))
	if err != nil {
		return err
	}
	defer clear(old)
	if err := p.Unlock(old); err != nil {
		return err
	}
	c.passFile = "" // the new one always comes from the terminal or stdin
	nw, err := c.passphrase(c.t("Nouvelle phrase de passe :", "New passphrase:"))
	if err != nil {
		return err
	}
	defer clear(nw)
	if err := p.ChangePassphrase(old, nw); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, c.t("Phrase de passe changée.", "Passphrase changed."))
	return nil
}

func cmdBackup(c *cli, args []string) error {
	fs := c.flags("backup")
	out := fs.String("out", "", "backup file to write")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out FILE is required")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	start := time.Now()
	if err := p.Backup(context.Background(), *out); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, c.t("Sauvegarde vérifiée écrite dans %s (%s).\n", "Verified backup written to %s (%s).\n"), *out, time.Since(start).Round(time.Millisecond))
	return nil
}

func cmdRestore(c *cli, args []string) error {
	fs := c.flags("restore")
	from := fs.String("from", "", "backup file to restore")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("--from FILE is required")
	}
	pass, err := c.passphrase(c.t("Phrase de passe de la sauvegarde :", "Passphrase of the backup:"))
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := practice.Restore(c.vault, *from, pass, c.options()); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, c.t("Sauvegarde restaurée dans ", "Backup restored into ")+c.vault)
	return nil
}

func cmdAudit(c *cli, args []string) error {
	fs := c.flags("audit")
	asJSON := fs.Bool("json", false, "JSON output (list)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "verify" && pos[0] != "list") {
		return fmt.Errorf("usage: cabinet audit verify|list --vault DIR")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	if pos[0] == "list" {
		return listAudit(c, p, *asJSON)
	}
	rep, err := p.VerifyAudit()
	if err != nil {
		return err
	}
	if rep.Break != nil {
		return fmt.Errorf("%s", c.t(
			fmt.Sprintf("journal d'audit rompu à l'entrée %d : %s", rep.Break.Seq, rep.Break.Reason),
			rep.Break.Error()))
	}
	fmt.Fprintf(c.stdout, c.t("Journal d'audit intact : %d entrées vérifiées.\n", "Audit journal intact: %d entries verified.\n"), rep.Entries-rep.Pruned)
	if rep.Pruned > 0 {
		fmt.Fprintf(c.stdout, c.t("%d entrées plus anciennes que la durée de conservation ont été élaguées derrière un point de contrôle signé.\n",
			"%d entries older than the retention period were pruned behind a signed checkpoint.\n"), rep.Pruned)
	}
	return nil
}

func cmdCompact(c *cli, args []string) error {
	fs := c.flags("compact")
	p, err := c.parseOpen(fs, args)
	if err != nil {
		return err
	}
	defer p.Close()
	before, after, err := p.Vault().Compact()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, c.t("Coffre compacté : %.1f Mo → %.1f Mo.\n", "Vault compacted: %.1f MB → %.1f MB.\n"), float64(before)/1e6, float64(after)/1e6)
	return nil
}
