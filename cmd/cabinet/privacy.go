package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

// cmdExportPatient is `cabinet export patient ID --out FILE.zip`.
func cmdExportPatient(c *cli, args []string) error {
	fs := c.flags("export patient")
	out := fs.String("out", "", "zip file to write")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return errors.New("usage: cabinet export patient ID --out FILE.zip")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.ExportPatient(context.Background(), pos[0], *out); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, *out)
	return nil
}

func cmdRights(c *cli, args []string) error {
	usage := errors.New("usage: cabinet rights open --patient ID --kind KIND [--received YYYY-MM-DD] [--channel C] [--identity-checked] | rights list [--json] | rights extend ID --reason R | rights answer ID [--refused] [--notes N]")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	ctx := context.Background()
	fs := c.flags("rights " + sub)
	switch sub {
	case "open":
		var r privacy.Request
		fs.StringVar(&r.PatientID, "patient", "", "patient id")
		kind := fs.String("kind", "", "access|medical-record|rectification|erasure|restriction|objection|portability|post-mortem")
		fs.StringVar(&r.Received, "received", "", "date received, YYYY-MM-DD (default today)")
		fs.StringVar(&r.Channel, "channel", "", "how it came: letter, e-mail, in person...")
		fs.BoolVar(&r.IdentityChecked, "identity-checked", false, "the requester's identity was checked")
		fs.BoolVar(&r.OldRecord, "old-record", false, "medical-record access to information over 5 years old (2 months)")
		idCopy := fs.String("id-copy", "", "scan of the requester's identity document (erased after a year)")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		r.Kind = privacy.Kind(*kind)
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		if *idCopy != "" {
			data, err := os.ReadFile(*idCopy)
			if err != nil {
				return err
			}
			d, err := p.AddDocument(ctx, r.PatientID, "", "piece-identite-"+filepath.Base(*idCopy), data)
			if err != nil {
				return err
			}
			r.IDCopy, r.IdentityChecked = d.ID, true
		}
		r, err = p.OpenRight(ctx, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, c.t("Demande enregistrée : réponse due le %s.\n", "Request recorded: answer due on %s.\n"), r.Due)
		fmt.Fprintln(c.stdout, r.ID)
		return nil
	case "list":
		asJSON := fs.Bool("json", false, "JSON output")
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		list, err := p.Rights(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []privacy.Request{}
			}
			return writeJSON(c, list)
		}
		today := time.Now().Format(time.DateOnly)
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, r := range list {
			flag := ""
			switch privacy.UrgencyOf(r, today) {
			case privacy.Overdue:
				flag = c.t("EN RETARD", "OVERDUE")
			case privacy.DueSoon:
				flag = c.t("bientôt dû", "due soon")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Received, r.Due, r.Status, flag)
		}
		return tw.Flush()
	case "extend", "answer":
		reason := fs.String("reason", "", "why the answer needs two more months (told to the patient)")
		refused := fs.Bool("refused", false, "the request is refused (with reasons in --notes)")
		notes := fs.String("notes", "", "what was answered")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usage
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		var r privacy.Request
		if sub == "extend" {
			r, err = p.ExtendRight(ctx, pos[0], *reason)
		} else {
			r, err = p.AnswerRight(ctx, pos[0], *refused, *notes)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s %s %s\n", r.ID, r.Status, r.Due)
		return nil
	}
	return usage
}

func cmdErase(c *cli, args []string) error {
	fs := c.flags("erase")
	id := fs.String("patient", "", "patient id")
	yes := fs.Bool("yes", false, "confirm: erase without asking")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("usage: cabinet erase --patient ID [--yes]")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	plan, err := p.PlanErasure(ctx, *id)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stderr, c.t("Sera effacé :", "Will be deleted:"))
	for _, d := range plan.Delete {
		fmt.Fprintln(c.stderr, "  - "+d)
	}
	fmt.Fprintln(c.stderr, c.t("Sera conservé :", "Will be kept:"))
	for _, k := range plan.Keep {
		fmt.Fprintln(c.stderr, "  - "+k)
	}
	if !*yes {
		if !c.stdinIsTerminal() {
			return errors.New(c.t("effacement non confirmé : relancez avec --yes", "erasure not confirmed: run again with --yes"))
		}
		fmt.Fprint(c.stderr, c.t("Effacer définitivement ? Tapez « effacer » : ", "Erase for good? Type \"erase\": "))
		line, _ := c.readLine()
		if s := strings.TrimSpace(string(line)); s != "effacer" && s != "erase" {
			return errors.New(c.t("effacement annulé", "erasure cancelled"))
		}
	}
	if err := p.Erase(ctx, *id); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, c.t("Patient effacé.", "Patient erased."))
	return nil
}

func cmdRetention(c *cli, args []string) error {
	if len(args) > 0 && args[0] == "policy" {
		return retentionPolicy(c, args[1:])
	}
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: cabinet retention run [--dry-run] [--erase --yes] [--json] | retention policy [--set category=months]")
	}
	fs := c.flags("retention run")
	dry := fs.Bool("dry-run", false, "show what would happen, change nothing")
	erase := fs.Bool("erase", false, "also erase the records past their whole period (needs --yes)")
	yes := fs.Bool("yes", false, "confirm the erasures listed by a dry run")
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *erase && !*yes && !*dry {
		return errors.New(c.t("--erase demande --yes, après avoir relu la liste d'une exécution --dry-run", "--erase needs --yes, after reading the list of a --dry-run"))
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	rep, err := p.RunRetention(context.Background(), *dry, *erase && *yes)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c, rep)
	}
	verb := map[bool]string{true: c.t("seraient", "would be"), false: c.t("ont été", "were")}[*dry]
	fmt.Fprintf(c.stdout, c.t("%d dossier(s) %s archivés (5 ans sans venue).\n", "%d record(s) %s archived (5 years without a visit).\n"), len(rep.Archived), verb)
	fmt.Fprintf(c.stdout, c.t("%d dossier(s) ont dépassé leur durée de conservation%s.\n", "%d record(s) are past their retention period%s.\n"), len(rep.Expired),
		map[bool]string{true: c.t(" et ont été effacés", " and were erased"), false: c.t(" (effacement : --erase --yes)", " (to erase: --erase --yes)")}[len(rep.Erased) > 0])
	for _, id := range rep.Expired {
		fmt.Fprintln(c.stdout, "  "+id)
	}
	return nil
}

func cmdRegister(c *cli, args []string) error {
	fs := c.flags("register")
	out := fs.String("out", "", "file to write: .pdf or .md")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("usage: cabinet register --out FILE.pdf|FILE.md")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.WriteRegister(context.Background(), *out); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, *out)
	return nil
}

func cmdNotice(c *cli, args []string) error {
	fs := c.flags("notice")
	out := fs.String("out", "", "PDF file to write")
	lang := fs.String("notice-lang", "fr", "fr or en")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("usage: cabinet notice --out FILE.pdf [--notice-lang fr|en]")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	v, err := p.WriteNotice(context.Background(), *out, *lang)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, c.t("Notice version %s.\n", "Notice version %s.\n"), v)
	fmt.Fprintln(c.stdout, *out)
	return nil
}

func cmdRestrict(c *cli, args []string) error {
	fs := c.flags("restrict")
	id := fs.String("patient", "", "patient id")
	off := fs.Bool("lift", false, "lift the restriction")
	p, err := c.parseOpen(fs, args)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.Restrict(context.Background(), *id, !*off); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, map[bool]string{true: c.t("Limitation levée.", "Restriction lifted."), false: c.t("Dossier limité : lecture seule.", "Record restricted: read-only.")}[*off])
	return nil
}

func cmdConsent(c *cli, args []string) error {
	fs := c.flags("consent")
	var k privacy.Consent
	fs.StringVar(&k.PatientID, "patient", "", "patient id")
	purpose := fs.String("purpose", "", "care-record|email|hds-sync|sharing|statistics")
	decision := fs.String("decision", "", "given|refused|withdrawn")
	proof := fs.String("proof", "oral", "paper|signature|oral")
	fs.StringVar(&k.NoticeVersion, "notice", "", "version of the information notice shown")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	k.Purpose, k.Decision, k.Proof = privacy.Purpose(*purpose), privacy.Decision(*decision), privacy.Proof(*proof)
	switch k.Decision {
	case privacy.Given, privacy.Refused, privacy.Withdrawn:
	default:
		return errors.New("--decision must be given, refused or withdrawn")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.RecordConsent(context.Background(), k); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, c.t("Décision enregistrée.", "Decision recorded."))
	return nil
}

func cmdBreach(c *cli, args []string) error {
	usage := errors.New("usage: cabinet breach add --what TEXT --discovered YYYY-MM-DDTHH:MM --risk low|medium|high [--from … --to …] [--data TEXT] | breach list [--json] | breach notify ID [--cnil] [--patients]")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	fs := c.flags("breach " + sub)
	ctx := context.Background()
	when := func(s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		return time.ParseInLocation("2006-01-02T15:04", s, practice.Paris())
	}
	switch sub {
	case "add":
		what := fs.String("what", "", "what happened")
		disc := fs.String("discovered", "", "when it was discovered, YYYY-MM-DDTHH:MM (Paris time; default now)")
		from := fs.String("from", "", "start of the exposure window, YYYY-MM-DDTHH:MM: the patients concerned are then found in the audit journal")
		to := fs.String("to", "", "end of the exposure window")
		risk := fs.String("risk", "", "low|medium|high")
		data := fs.String("data", "", "kinds of data concerned")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		b := privacy.Breach{What: *what, Risk: privacy.Risk(*risk), Data: *data, Discovered: time.Now()}
		var err error
		if *disc != "" {
			if b.Discovered, err = when(*disc); err != nil {
				return errors.New("--discovered: YYYY-MM-DDTHH:MM")
			}
		}
		if b.From, err = when(*from); err != nil {
			return errors.New("--from: YYYY-MM-DDTHH:MM")
		}
		if b.To, err = when(*to); err != nil {
			return errors.New("--to: YYYY-MM-DDTHH:MM")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		b, err = p.RecordBreach(ctx, b)
		if err != nil {
			return err
		}
		fr, en := b.Status(time.Now())
		fmt.Fprintf(c.stderr, c.t("Incident consigné ; %d patient(s) concerné(s) ; %s.\n", "Incident recorded; %d patient(s) concerned; %s.\n"), len(b.Patients), c.t(fr, en))
		fmt.Fprintln(c.stdout, b.ID)
		return nil
	case "list":
		asJSON := fs.Bool("json", false, "JSON output")
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		bs, err := p.Breaches(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if bs == nil {
				bs = []privacy.Breach{}
			}
			return writeJSON(c, bs)
		}
		for _, b := range bs {
			fr, en := b.Status(time.Now())
			fmt.Fprintf(c.stdout, "%s  %s  %s  %d patient(s)  %s\n", b.ID, b.Discovered.In(practice.Paris()).Format("02/01/2006 15:04"), b.Risk, len(b.Patients), c.t(fr, en))
		}
		return nil
	case "notify":
		cnil := fs.Bool("cnil", false, "the CNIL was notified")
		patients := fs.Bool("patients", false, "the patients were informed")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 || (!*cnil && !*patients) {
			return usage
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		b, err := p.BreachNotified(ctx, pos[0], *cnil, *patients, time.Now())
		if err != nil {
			return err
		}
		fr, en := b.Status(time.Now())
		fmt.Fprintln(c.stdout, c.t(fr, en))
		return nil
	}
	return usage
}

func cmdConsentHistory(c *cli, args []string) error {
	fs := c.flags("consent-history")
	id := fs.String("patient", "", "patient id")
	out := fs.String("out", "", "PDF file to write")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || *out == "" {
		return errors.New("usage: cabinet consent-history --patient ID --out FILE.pdf")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.ConsentsPDF(context.Background(), *id, *out); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, *out)
	return nil
}

// retentionPolicy is `cabinet retention policy [--set category=months]`.
func retentionPolicy(c *cli, args []string) error {
	fs := c.flags("retention policy")
	set := fs.String("set", "", "category=months, e.g. invoices=120")
	p, err := c.parseOpen(fs, args)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	if *set != "" {
		cat, months, ok := strings.Cut(*set, "=")
		n, err := strconv.Atoi(months)
		if !ok || err != nil {
			return errors.New("--set category=months")
		}
		warns, err := p.SetRetention(ctx, privacy.Category(cat), n)
		if err != nil {
			return err
		}
		for _, w := range warns {
			fmt.Fprintln(c.stderr, c.t("Attention : ", "Warning: ")+w)
		}
	}
	pol, err := p.RetentionPolicy(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, r := range pol {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Category, r.Keep, r.Label)
	}
	return tw.Flush()
}
