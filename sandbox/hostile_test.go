package sandbox

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

var (
	pgOnce sync.Once
	pg     *storetest.Server
	pgErr  error
)

// database returns a fresh migrated database with the sample roster and
// locations, on a PostgreSQL started for this test binary.
func database(t *testing.T) *store.Store {
	t.Helper()
	pgOnce.Do(func() { pg, pgErr = storetest.Start(context.Background()) })
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, pg.Database(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	rf, err := os.Open("../testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	roster, err := validate.ReadRoster(rf)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := os.Open("../testdata/locations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	locs, err := validate.ReadLocations(lf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRoster(ctx, "test", roster); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportLocations(ctx, "test", locs); err != nil {
		t.Fatal(err)
	}
	return st
}

// part is one MIME part of a test message.
type part struct {
	name, ctype string
	data        []byte
}

// eml is a message with the given Message-ID and parts, each attached in
// base64.
func eml(id, subject string, parts ...part) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%s@hostile.test>\r\nFrom: fax@lausd.net\r\nTo: intake@lausd.net\r\nSubject: %s\r\n", id, subject)
	b.WriteString("Date: Fri, 20 Nov 2026 10:00:00 -0800\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\nContent-Type: text/plain\r\n\r\nFax attached.\r\n")
	for _, p := range parts {
		fmt.Fprintf(&b, "--b0\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", p.ctype, p.name)
		enc := base64.StdEncoding.EncodeToString(p.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--b0--\r\n")
	return b.Bytes()
}

func pdfPart(data []byte) part { return part{"fax.pdf", "application/pdf", data} }

// encrypt encrypts pdf with pdfcpu (AES-256) with the given passwords.
func encrypt(t *testing.T, pdf []byte, userPW, ownerPW string) []byte {
	t.Helper()
	conf := &model.Configuration{
		Reader15: true, ValidationMode: model.ValidationRelaxed, Eol: types.EolLF,
		Limits: model.DefaultResourceLimits(), Cmd: model.ENCRYPT,
		UserPW: userPW, OwnerPW: ownerPW, EncryptUsingAES: true, EncryptKeyLength: 256,
		Permissions: model.PermissionsNone, WriteObjectStream: true, WriteXRefStream: true,
	}
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, conf); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

// pagesPDF is a PDF of n empty Letter pages.
func pagesPDF(n int) []byte {
	kids := make([]string, n)
	objs := []pdfObject{{dict: "<< /Type /Catalog /Pages 2 0 R >>"}, {}}
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", i+3)
		objs = append(objs, pdfObject{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"})
	}
	objs[1].dict = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	return buildPDF(objs)
}

// imagePDF is one Letter page showing one 8-bit gray Flate image.
func imagePDF(w, h int, stream []byte, catalogExtra string, extra ...pdfObject) []byte {
	objs := []pdfObject{
		{dict: "<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>"},
		{dict: "", stream: []byte("q 612 0 0 792 0 0 cm /Im1 Do Q")},
		{dict: fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /FlateDecode", w, h), stream: stream},
	}
	return buildPDF(append(objs, extra...))
}

// scriptedForm is the blank form as a scanned page in a PDF that also
// carries JavaScript (run on opening, and on a page action) and an
// embedded executable: both must be ignored and the form still read.
func scriptedForm(t *testing.T) []byte {
	t.Helper()
	pages, err := raster.Decode(context.Background(), blankForm(t), raster.Limits{RenderDPI: 200})
	if err != nil {
		t.Fatal(err)
	}
	img := pages[0].Image
	b := img.Bounds()
	return imagePDF(b.Dx(), b.Dy(), deflate(t, grayRows(img)),
		"/OpenAction << /S /JavaScript /JS (app.alert\\('hi'\\); this.exportDataObject\\({cName: 'run.exe', nLaunch: 2}\\);) >> "+
			"/Names << /EmbeddedFiles << /Names [(run.exe) 6 0 R] >> /JavaScript << /Names [(x) 8 0 R] >> >>",
		pdfObject{dict: "<< /Type /Filespec /F (run.exe) /EF << /F 7 0 R >> >>"},
		pdfObject{dict: "/Type /EmbeddedFile", stream: []byte("MZ\x90\x00 not really a program")},
		pdfObject{dict: "<< /S /JavaScript /JS (app.launchURL\\('http://example.com'\\);) >>"},
	)
}

func grayRows(img *image.Gray) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		out = append(out, img.Pix[(y-b.Min.Y)*img.Stride:(y-b.Min.Y)*img.Stride+b.Dx()]...)
	}
	return out
}

// pngHeader is a PNG that declares w x h 8-bit gray pixels and carries a
// few bytes of image data: its size alone must stop it.
func pngHeader(w, h uint32) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data))) //nolint:errcheck // bytes.Buffer
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...))) //nolint:errcheck // bytes.Buffer
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return out.Bytes()
}

// tiffPage is one directory of a hand-made little-endian TIFF: 8-bit
// gray, one strip, Deflate (compression 8) or none (1).
type tiffPage struct {
	w, h        uint32
	compression uint16
	strip       []byte
}

// buildTIFF writes pages as a chain of directories; loopTo >= 0 points the
// last directory's next link back at directory loopTo.
func buildTIFF(pages []tiffPage, loopTo int) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(0)) //nolint:errcheck // patched below
	le := binary.LittleEndian
	var ifdAt, nextAt []int
	for _, p := range pages {
		stripAt := b.Len()
		b.Write(p.strip)
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		ifdAt = append(ifdAt, b.Len())
		entries := []struct {
			tag, typ uint16
			val      uint32
		}{
			{256, 4, p.w}, {257, 4, p.h}, {258, 3, 8}, {259, 3, uint32(p.compression)}, {262, 3, 1},
			{273, 4, uint32(stripAt)}, {277, 3, 1}, {278, 4, p.h}, {279, 4, uint32(len(p.strip))},
		}
		binary.Write(&b, le, uint16(len(entries))) //nolint:errcheck // bytes.Buffer
		for _, e := range entries {
			binary.Write(&b, le, e.tag)     //nolint:errcheck // bytes.Buffer
			binary.Write(&b, le, e.typ)     //nolint:errcheck // bytes.Buffer
			binary.Write(&b, le, uint32(1)) //nolint:errcheck // bytes.Buffer
			if e.typ == 3 {
				binary.Write(&b, le, uint16(e.val)) //nolint:errcheck // bytes.Buffer
				binary.Write(&b, le, uint16(0))     //nolint:errcheck // bytes.Buffer
			} else {
				binary.Write(&b, le, e.val) //nolint:errcheck // bytes.Buffer
			}
		}
		nextAt = append(nextAt, b.Len())
		binary.Write(&b, le, uint32(0)) //nolint:errcheck // patched below
	}
	out := b.Bytes()
	le.PutUint32(out[4:], uint32(ifdAt[0]))
	for i := range len(pages) - 1 {
		le.PutUint32(out[nextAt[i]:], uint32(ifdAt[i+1]))
	}
	if loopTo >= 0 {
		le.PutUint32(out[nextAt[len(pages)-1]:], uint32(ifdAt[loopTo]))
	}
	return out
}

func zipBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("form.pdf")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(blankForm(t)) //nolint:errcheck // checked by Close
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// nested is a message whose multiparts nest depth deep.
func nested(id string, depth int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%s@hostile.test>\r\nFrom: fax@lausd.net\r\nSubject: nested\r\nMIME-Version: 1.0\r\n", id)
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n--n%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--n%d--\r\n", i)
	}
	return b.Bytes()
}

var update = flag.Bool("update", false, "rewrite the hostile corpus in testdata/hostile")

// slug turns a case's name into a file name.
func slug(name string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-")
}

// want is what must become of a hostile message: its status and a piece
// of its reason, and the same for each of its attachments.
type want struct {
	status, reason string
	atts           []wantAtt
}

type wantAtt struct{ status, reason string }

// Every hostile or broken message goes through the real pipeline (ingest,
// split, read in the sandbox, decide) on a real PostgreSQL: each ends set
// aside or parked with a reason that says what is wrong, its original
// kept; the rest flows, and good sample messages queued behind them are
// processed normally.
func TestHostileInputs(t *testing.T) {
	ctx := context.Background()
	st := database(t)
	form := blankForm(t)
	reg := forms.MustLoad()

	// Document limits raised only so that one decompression bomb gets past
	// raster's size checks into the child, whose memory it exhausts.
	lim := Limits{Memory: 1 << 30, PixelsPerPage: 1e9, TotalPixels: 1e9, DecompressedBytes: 1e9}
	cfg := testConfig(t)
	cfg.Children, cfg.Limits, cfg.Stderr = 2, lim, &strings.Builder{}
	pool := newPool(t, cfg)
	r, err := work.New(work.Config{
		Store: st, Attachments: pool, Registry: reg, Workers: 2, MaxAttempts: 1,
		Backoff:      func(int) time.Duration { return 10 * time.Millisecond },
		Rules:        validate.Config{Now: func() time.Time { return time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC) }},
		MailLimits:   lim.Mail(),
		RasterLimits: lim.Raster(),
	})
	if err != nil {
		t.Fatal(err)
	}

	zeros := deflate(t, make([]byte, 1<<20))
	quarantined := func(reason string) want {
		return want{status: store.StatusProcessed, atts: []wantAtt{{store.StatusQuarantined, reason}}}
	}
	cases := []struct {
		name string
		raw  []byte
		want want
	}{
		{"truncated PDF", eml("truncated", "fax", pdfPart(form[:len(form)/2])), quarantined("no %%EOF marker at its end (truncated?)")},
		{"corrupt PDF", eml("corrupt", "fax", pdfPart(append(append([]byte("%PDF-1.4\n"), randomBytes(4096, 1)...), "\n%%EOF\n"...))), quarantined("corrupt document")},
		{"encrypted with a user password", eml("encrypted", "fax", pdfPart(encrypt(t, form, "secret", "owner"))), quarantined("encrypted document: a password is needed to open it")},
		{"encrypted with an owner password only", eml("owner-only", "fax", pdfPart(encrypt(t, form, "", "owner"))), want{status: store.StatusProcessed, atts: []wantAtt{{store.StatusProcessed, ""}}}},
		{"zero pages", eml("zero-pages", "fax", pdfPart(pagesPDF(0))), quarantined("no pages")},
		{"3000 pages", eml("pages", "fax", pdfPart(pagesPDF(3000))), quarantined("3000 pages, limit 100")},
		{"page of 100000 x 100000 pixels", eml("huge-png", "scan", part{"scan.png", "image/png", pngHeader(100000, 100000)}), quarantined("100000x100000 pixels, limit 1000000000 per page")},
		{"PDF image of 100000 x 100000 pixels", eml("huge-pdf-image", "fax", pdfPart(imagePDF(100000, 100000, zeros, ""))), quarantined("100000x100000 pixels")},
		{"Flate bomb in a PDF image", eml("flate-bomb", "fax", pdfPart(imagePDF(40000, 40000, zeros, ""))), quarantined("document too large")},
		{"decompression bomb in a TIFF", eml("tiff-bomb", "fax", part{"fax.tif", "image/tiff", buildTIFF([]tiffPage{{60000, 60000, 8, zeros}}, -1)}), quarantined("60000x60000 pixels")},
		{"TIFF directory loop", eml("tiff-loop", "fax", part{"fax.tif", "image/tiff", buildTIFF([]tiffPage{{8, 8, 1, make([]byte, 64)}, {8, 8, 1, make([]byte, 64)}}, 0)}), quarantined("corrupt document")},
		{"decompression bomb past raster, out of the child's memory", eml("oom", "scan", part{"scan.png", "image/png", hugePNG(t, 30000, 30000)}),
			want{status: store.StatusProcessed, atts: []wantAtt{{store.StatusFailed, "reading the attachment ran out of memory (limit 1GiB)"}}}},
		{"JavaScript and an embedded file", eml("scripted", "fax", pdfPart(scriptedForm(t))), want{status: store.StatusProcessed, atts: []wantAtt{{store.StatusProcessed, ""}}}},
		{"zero-byte attachment", eml("zero-byte", "fax", pdfPart(nil)), want{status: store.StatusQuarantined, reason: "no PDF, TIFF, JPEG or PNG attachment", atts: []wantAtt{{store.StatusQuarantined, "sent as a document (application/pdf) but its bytes are not a PDF, TIFF, JPEG or PNG"}}}},
		{"executable renamed .pdf", eml("exe", "fax", pdfPart(append([]byte("MZ\x90\x00\x03\x00\x00\x00"), randomBytes(2048, 2)...))), want{status: store.StatusQuarantined, reason: "no PDF, TIFF, JPEG or PNG attachment", atts: []wantAtt{{store.StatusQuarantined, "sent as a document (application/pdf) but its bytes are not a PDF, TIFF, JPEG or PNG"}}}},
		{"ZIP renamed .pdf", eml("zip", "fax", pdfPart(zipBytes(t))), want{status: store.StatusQuarantined, reason: "no PDF, TIFF, JPEG or PNG attachment", atts: []wantAtt{{store.StatusQuarantined, "sent as a document (application/pdf) but its bytes are not a PDF, TIFF, JPEG or PNG"}}}},
		{"HTML-only mail", []byte("Message-ID: <html@hostile.test>\r\nFrom: someone@lausd.net\r\nSubject: see link\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<html><body><a href=\"http://x\">your fax</a></body></html>\r\n"),
			want{status: store.StatusQuarantined, reason: "no PDF, TIFF, JPEG or PNG attachment"}},
		{"200 attachments", eml("many", "fax", func() []part {
			ps := make([]part, 200)
			for i := range ps {
				ps[i] = part{fmt.Sprintf("p%d.png", i), "image/png", pngHeader(8, 8)}
			}
			return ps
		}()...), want{status: store.StatusQuarantined, reason: "message has more than 50 attachments"}},
		{"60 MB message", eml("big", "fax", pdfPart(randomBytes(45<<20, 3))), want{status: store.StatusQuarantined, reason: "message is 61.6 MB, more than the 50.0 MB limit"}},
		{"multipart without a boundary", []byte("Message-ID: <noboundary@hostile.test>\r\nFrom: fax@lausd.net\r\nSubject: fax\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--x--\r\n"),
			// Read leniently: the part is found, and is a truncated PDF.
			quarantined("no %%EOF marker at its end (truncated?)")},
		{"endless nesting", nested("nested", 200), want{status: store.StatusQuarantined, reason: "nested more than 10 levels deep"}},
		{"headers in unknown charsets", func() []byte {
			raw := eml("charset", "=?x-klingon?Q?tlhIngan_fax?=", part{"=?x-unknown?B?Zm9ybS5wZGY=?=", "application/pdf", form})
			return bytes.Replace(raw, []byte("From: fax@lausd.net"), []byte("From: =?x-martian?Q?Fax_Gateway?= <fax@lausd.net>"), 1)
		}(), want{status: store.StatusProcessed, atts: []wantAtt{{store.StatusProcessed, ""}}}},
	}
	// The small inputs are the committed corpus (testdata/hostile, written
	// by -update); the large ones are made afresh each run.
	for i, tc := range cases {
		if len(tc.raw) > 256<<10 {
			continue
		}
		path := filepath.Join("testdata", "hostile", slug(tc.name)+".eml")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		committed, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./sandbox -run TestHostileInputs -update)", err)
		}
		cases[i].raw = committed
	}
	good1, err := os.ReadFile("../testdata/sample/sub-0001.eml")
	if err != nil {
		t.Fatal(err)
	}
	good2, err := os.ReadFile("../testdata/sample/sub-0002.eml")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for i, tc := range cases {
		if i == len(cases)/2 {
			ins, err := r.Ingest(ctx, good1, "test:good1")
			if err != nil {
				t.Fatal(err)
			}
			ids["good1"] = ins.ID
		}
		ins, err := r.Ingest(ctx, tc.raw, "test:"+tc.name)
		if err != nil {
			t.Fatalf("%s: ingest: %v", tc.name, err)
		}
		ids[tc.name] = ins.ID
	}
	ins, err := r.Ingest(ctx, good2, "test:good2")
	if err != nil {
		t.Fatal(err)
	}
	ids["good2"] = ins.ID

	dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := r.Drain(dctx); err != nil {
		t.Fatalf("drain: %v", err)
	}

	exp, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*store.ExportMessage{}
	for _, m := range exp {
		byID[m.ID] = m
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := byID[ids[tc.name]]
			if m == nil {
				t.Fatalf("message %d not exported", ids[tc.name])
			}
			if m.Status != tc.want.status || !strings.Contains(m.Reason, tc.want.reason) {
				t.Errorf("message %s (%q), want %s with a reason containing %q", m.Status, m.Reason, tc.want.status, tc.want.reason)
			}
			if m.Status == store.StatusQuarantined && m.Reason == "" {
				t.Error("message set aside without a reason")
			}
			stored, err := st.Message(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored.Raw, tc.raw) {
				t.Errorf("original not kept: %d bytes stored, %d sent", len(stored.Raw), len(tc.raw))
			}
			if len(m.Attachments) != len(tc.want.atts) {
				t.Fatalf("%d attachments %+v, want %d", len(m.Attachments), m.Attachments, len(tc.want.atts))
			}
			for i, a := range m.Attachments {
				w := tc.want.atts[i]
				if a.Status != w.status || !strings.Contains(a.Reason, w.reason) {
					t.Errorf("attachment %s (%q), want %s with a reason containing %q", a.Status, a.Reason, w.status, w.reason)
				}
				if a.Status != store.StatusProcessed && a.Reason == "" {
					t.Errorf("attachment %s without a reason", a.Status)
				}
				sa, err := st.Attachment(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if a.Status != store.StatusProcessed && len(sa.Data) == 0 && tc.name != "zero-byte attachment" {
					t.Error("attachment's bytes not kept")
				}
			}
			if tc.want.atts != nil && tc.want.atts[0].status == store.StatusProcessed {
				if len(m.Forms) != 1 || m.Forms[0].Status != store.StatusDecided {
					t.Errorf("forms %+v, want the one form, decided", m.Forms)
				}
			}
		})
	}
	for _, name := range []string{"good1", "good2"} {
		m := byID[ids[name]]
		if m == nil || m.Status != store.StatusProcessed || len(m.Forms) == 0 {
			t.Fatalf("%s: %+v, want processed with its forms", name, m)
		}
		for _, a := range m.Attachments {
			if a.Status != store.StatusProcessed {
				t.Errorf("%s: attachment %s %s (%s)", name, a.Filename, a.Status, a.Reason)
			}
		}
		for _, f := range m.Forms {
			if f.Status != store.StatusDecided || f.Decision == "" {
				t.Errorf("%s: form %d %s, want decided", name, f.ID, f.Status)
			}
		}
	}
}
