package privacy

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/cabinet-sante/cabinet/app/billing"
)

// Config is the practice's real configuration, from which the register
// of processing and the information notice are written.
type Config struct {
	Practitioner billing.Practitioner
	Policy       []Rule
	SyncOn       bool
	SyncHost     string // the HDS host's name
	MailOn       bool
	SupportOn    bool
	// SupportSessions is how many remote-support sessions were granted.
	SupportSessions int
	Today           time.Time
}

// securityMeasures describes the measures Cabinet actually applies.
var securityMeasures = []string{
	"Chiffrement de toutes les données au repos (XChaCha20-Poly1305, clé de 256 bits), clé dérivée de la phrase de passe par Argon2id (64 Mio).",
	"Clé de secours remise une seule fois au praticien ; aucune donnée lisible sans elle ou la phrase de passe.",
	"Verrouillage manuel et automatique après inactivité ; clés effacées de la mémoire au verrouillage.",
	"Journal d'audit chaîné (HMAC) de chaque ouverture de dossier, modification, export, synchronisation et session de support ; vérifiable.",
	"Sauvegardes chiffrées vérifiées ; restauration testée.",
	"Aucun accès réseau sauf fonctions activées explicitement par le praticien.",
}

func months(n int) string {
	if n%12 == 0 {
		return fmt.Sprintf("%d ans", n/12)
	}
	return fmt.Sprintf("%d mois", n)
}

// RegisterMarkdown writes the register of processing (art. 30 GDPR).
func RegisterMarkdown(c Config) string {
	var b strings.Builder
	p := c.Practitioner
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# Registre des activités de traitement")
	w("")
	w("Établi le %s par Cabinet à partir de la configuration réelle du logiciel (article 30 du RGPD).", c.Today.Format("02/01/2006"))
	w("")
	w("## Responsable du traitement")
	w("")
	w("- %s%s", p.Name, map[bool]string{true: ", " + p.Profession, false: ""}[p.Profession != ""])
	if p.Address != "" {
		w("- Adresse : %s", strings.ReplaceAll(p.Address, "\n", ", "))
	}
	for _, id := range [][2]string{{"RPPS", p.RPPS}, {"ADELI", p.ADELI}, {"SIRET", p.SIRET}} {
		if id[1] != "" {
			w("- %s : %s", id[0], id[1])
		}
	}
	w("")
	w("## Traitement 1 : gestion du cabinet et dossiers des patients")
	w("")
	w("- **Finalités** : tenue du dossier de soins, prise de rendez-vous, facturation (notes d'honoraires) et comptabilité, respect des droits des patients.")
	w("- **Base légale** : soins (art. 9.2.h RGPD) ; obligations légales comptables et fiscales (art. 6.1.c).")
	w("- **Personnes concernées** : patients du cabinet ; le cas échéant leurs représentants légaux.")
	w("- **Catégories de données** : identité (nom, prénoms, date et lieu de naissance, sexe), NIR, coordonnées, données de santé (motifs, notes cliniques, mesures), données de facturation et de règlement, consentements.")
	w("- **Destinataires** : le praticien ; le comptable (exports sans nom des patients par défaut) ; %s.", recipients(c))
	w("- **Transferts hors UE** : aucun.")
	w("")
	w("## Durées de conservation")
	w("")
	for _, r := range c.Policy {
		extra := ""
		if r.Active > 0 {
			extra = fmt.Sprintf(" (dont %s en base active, puis archivage)", months(r.Active))
		}
		w("- %s : %s%s. Source : %s.", r.Label, months(r.Keep), extra, r.Source)
	}
	w("")
	w("## Fonctions ouvertes sur l'extérieur")
	w("")
	w("- Synchronisation chiffrée de bout en bout vers un hébergeur HDS : %s.", onOff(c.SyncOn, c.SyncHost))
	w("- Réception de courriels (IMAP) : %s.", onOff(c.MailOn, ""))
	w("- Support à distance (sessions accordées et journalisées) : %s.", onOff(c.SupportOn, fmt.Sprintf("%d session(s) au journal des interventions", c.SupportSessions)))
	w("")
	w("## Mesures de sécurité")
	w("")
	for _, m := range securityMeasures {
		w("- %s", m)
	}
	return b.String()
}

func recipients(c Config) string {
	var r []string
	if c.SyncOn {
		r = append(r, "l'hébergeur de données de santé certifié HDS "+c.SyncHost+" (données chiffrées de bout en bout, illisibles par l'hébergeur)")
	}
	if c.SupportOn {
		r = append(r, "le support technique, pendant les seules sessions accordées par le praticien")
	}
	if len(r) == 0 {
		return "aucun autre destinataire"
	}
	return strings.Join(r, " ; ")
}

func onOff(on bool, detail string) string {
	if !on {
		return "désactivée"
	}
	if detail != "" {
		return "activée (" + detail + ")"
	}
	return "activée"
}

// NoticeVersion identifies the information notice's text: it changes
// whenever the configuration it describes changes.
func NoticeVersion(c Config) string {
	sum := 0
	for _, r := range []byte(NoticeMarkdown(c, "fr", "")) {
		sum = (sum*31 + int(r)) % 1_000_003
	}
	return fmt.Sprintf("%s-%06d", c.Today.Format("2006"), sum)
}

// NoticeMarkdown writes the patient information notice in French ("fr")
// or English ("en").
func NoticeMarkdown(c Config, lang, version string) string {
	p := c.Practitioner
	keep := 20
	for _, r := range c.Policy {
		if r.Category == MedicalRecord {
			keep = r.Keep / 12
		}
	}
	if lang == "en" {
		s := fmt.Sprintf(`# Information on the processing of your personal data

%s, %s, keeps your medical record and invoices to care for you (legal basis: provision of health care, art. 9.2.h GDPR) and to meet accounting duties (art. 6.1.c).

- **Data**: identity, social security number, contact details, health data, invoices and payments.
- **Recipients**: your practitioner only; the accountant receives receipts without your name. %s
- **Retention**: your record is kept %d years after your last visit (until your 28th birthday at least for minors), invoices 10 years.
- **Your rights**: access, rectification, erasure, restriction, objection, portability, and instructions for after your death. Ask your practitioner at %s. Answer within one month (8 days for access to your medical record).
- **Complaint**: you may lodge a complaint with the CNIL, 3 place de Fontenoy, 75007 Paris, www.cnil.fr.
`, p.Name, strings.ReplaceAll(p.Address, "\n", ", "), syncSentence(c, "en"), keep, strings.ReplaceAll(p.Address, "\n", ", "))
		if version != "" {
			s += "\nNotice version " + version + ".\n"
		}
		return s
	}
	s := fmt.Sprintf(`# Information sur le traitement de vos données personnelles

%s, %s, tient votre dossier médical et vos notes d'honoraires pour vous soigner (base légale : les soins, art. 9.2.h du RGPD) et respecter ses obligations comptables (art. 6.1.c).

- **Données** : identité, numéro de sécurité sociale, coordonnées, données de santé, notes d'honoraires et règlements.
- **Destinataires** : votre praticien seul ; le comptable reçoit les recettes sans votre nom. %s
- **Durée de conservation** : votre dossier est conservé %d ans après votre dernière venue (au moins jusqu'à 28 ans pour un mineur), les notes d'honoraires 10 ans.
- **Vos droits** : accès, rectification, effacement, limitation, opposition, portabilité, et directives pour après votre décès. Adressez-vous à votre praticien : %s. Réponse sous un mois (8 jours pour l'accès au dossier médical).
- **Réclamation** : vous pouvez saisir la CNIL, 3 place de Fontenoy, 75007 Paris, www.cnil.fr.
`, p.Name, strings.ReplaceAll(p.Address, "\n", ", "), syncSentence(c, "fr"), keep, strings.ReplaceAll(p.Address, "\n", ", "))
	if version != "" {
		s += "\nVersion de la notice : " + version + ".\n"
	}
	return s
}

func syncSentence(c Config, lang string) string {
	if !c.SyncOn {
		return ""
	}
	if lang == "en" {
		return "A copy encrypted end to end is hosted by " + c.SyncHost + ", a certified health-data host (HDS); you may object."
	}
	return "Une copie chiffrée de bout en bout est hébergée chez " + c.SyncHost + ", hébergeur certifié de données de santé (HDS) ; vous pouvez vous y opposer."
}

// WriteMarkdownPDF renders the simple Markdown Cabinet writes (headings,
// bullets, **bold** lead-ins, paragraphs) as an A4 PDF.
func WriteMarkdownPDF(w io.Writer, title, md string) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(20, 18, 20)
	p.SetAutoPageBreak(true, 18)
	p.SetTitle(title, true)
	p.SetCreator("Cabinet", true)
	p.AliasNbPages("")
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 5, tr(fmt.Sprintf("%s — page %d/{nb}", title, p.PageNo())), "", 0, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			p.SetFont("Helvetica", "B", 16)
			p.MultiCell(0, 8, tr(line[2:]), "", "L", false)
			p.Ln(2)
		case strings.HasPrefix(line, "## "):
			p.Ln(2)
			p.SetFont("Helvetica", "B", 12)
			p.MultiCell(0, 7, tr(line[3:]), "", "L", false)
		case strings.HasPrefix(line, "- "):
			text := strings.ReplaceAll(line[2:], "**", "")
			p.SetFont("Helvetica", "", 10)
			p.SetX(24)
			p.MultiCell(0, 5.2, tr("• "+text), "", "L", false)
		case strings.TrimSpace(line) == "":
			p.Ln(2)
		default:
			p.SetFont("Helvetica", "", 10)
			p.MultiCell(0, 5.2, tr(strings.ReplaceAll(line, "**", "")), "", "L", false)
		}
	}
	return p.Output(w)
}
