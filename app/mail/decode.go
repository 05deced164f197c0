package mail

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"mime/quotedprintable"
	"path"
	"strings"

	"github.com/cabinet-sante/cabinet/app/practice"
)

func base64Reader(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: r})
}

func qpReader(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

// stripSpace drops line breaks and spaces from base64 text.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	if j == 0 && err == nil && n > 0 {
		return s.Read(p)
	}
	return j, err
}

// maxXDM bounds what an XDM zip may expand to.
const maxXDM = 100 << 20

// ReadXDM unpacks an IHE XDM zip as MSSanté mailboxes send them: the
// documents listed in METADATA.XML (IHE_XDM/SUBSET*/), or every PDF and
// image when the metadata is missing. It refuses archives that expand
// beyond a bound.
func ReadXDM(data []byte) ([]practice.MailAttachment, error) {
	docs, _, err := readXDM(data)
	return docs, err
}

// readXDM also returns the patient's INS (a NIR, OID 1.2.250.1.213.1.4.8)
// when the metadata names it.
func readXDM(data []byte) ([]practice.MailAttachment, string, error) {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "", err
	}
	ins := ""
	var total int64
	var out []practice.MailAttachment
	listed := map[string]bool{}
	for _, f := range z.File {
		if strings.EqualFold(path.Base(f.Name), "METADATA.XML") {
			if uris, nir, err := xdmURIs(f); err == nil {
				for _, u := range uris {
					listed[path.Join(path.Dir(f.Name), u)] = true
				}
				if ins == "" {
					ins = nir
				}
			}
		}
	}
	for _, f := range z.File {
		name := strings.ToLower(f.Name)
		if f.FileInfo().IsDir() || strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".xsl") || strings.HasSuffix(name, ".htm") {
			continue
		}
		if len(listed) > 0 && !listed[f.Name] {
			continue
		}
		total += int64(f.UncompressedSize64)
		if total > maxXDM {
			return nil, "", errors.New("XDM archive expands too much")
		}
		rc, err := f.Open()
		if err != nil {
			return nil, "", err
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxXDM))
		rc.Close()
		if err != nil {
			return nil, "", err
		}
		out = append(out, practice.MailAttachment{Name: path.Base(f.Name), Data: b})
	}
	return out, ins, nil
}

// xdmURIs reads the document URIs of an XDM METADATA.XML (ebRIM slots
// named URI) and the patient's INS when an identifier carries the NIR OID
// ("NIR^^^&1.2.250.1.213.1.4.8&ISO").
func xdmURIs(f *zip.File) ([]string, string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, 10<<20))
	var uris []string
	ins := ""
	inURI := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return uris, ins, nil
		}
		if err != nil {
			return uris, ins, err
		}
		if a, ok := tok.(xml.StartElement); ok {
			for _, at := range a.Attr {
				if v := at.Value; strings.Contains(v, "1.2.250.1.213.1.4.8") && ins == "" {
					ins, _, _ = strings.Cut(v, "^")
				}
			}
		}
		if cd, ok := tok.(xml.CharData); ok && ins == "" && strings.Contains(string(cd), "1.2.250.1.213.1.4.8") {
			ins, _, _ = strings.Cut(strings.TrimSpace(string(cd)), "^")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "Slot" {
				inURI = false
				for _, a := range t.Attr {
					if a.Name.Local == "name" && strings.EqualFold(a.Value, "URI") {
						inURI = true
					}
				}
			}
		case xml.CharData:
			if v := strings.TrimSpace(string(t)); inURI && v != "" && !strings.Contains(v, "|") {
				uris = append(uris, v)
			}
		case xml.EndElement:
			if t.Name.Local == "Slot" {
				inURI = false
			}
		}
	}
}
