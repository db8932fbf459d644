package retention_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/retention"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
	"github.com/lausd/misis-intake/validate"
	"github.com/lausd/misis-intake/work"
)

var pg *storetest.Server

func TestMain(m *testing.M) {
	pg = storetest.MustStart()
	code := m.Run()
	pg.Close()
	os.Exit(code)
}

func htmlOnly(id string) []byte {
	return []byte("Message-ID: <" + id + "@retention.test>\r\nFrom: someone@lausd.net\r\nSubject: link\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>see the link</p>\r\n")
}

func encryptedForm(t *testing.T) []byte {
	t.Helper()
	var pdf bytes.Buffer
	if err := forms.Render(&pdf, forms.MustLoad().Family("district-staff").Current()); err != nil {
		t.Fatal(err)
	}
	conf := &model.Configuration{
		Reader15: true, ValidationMode: model.ValidationRelaxed, Eol: types.EolLF,
		Limits: model.DefaultResourceLimits(), Cmd: model.ENCRYPT,
		UserPW: "secret", OwnerPW: "owner", EncryptUsingAES: true, EncryptKeyLength: 256,
	}
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf.Bytes()), &out, conf); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// sizes returns the stored size of a message's original and of its
// attachments' bytes.
func sizes(t *testing.T, st *store.Store, id int64) (raw, data int64) {
	t.Helper()
	err := st.Pool().QueryRow(context.Background(), `SELECT octet_length(raw),
		COALESCE((SELECT sum(octet_length(data)) FROM attachments WHERE message_id = $1), 0)
		FROM messages WHERE id = $1`, id).Scan(&raw, &data)
	if err != nil {
		t.Fatal(err)
	}
	return raw, data
}

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// backdate moves every timestamp of a message and of what came of it days
// into the past.
func backdate(t *testing.T, st *store.Store, id int64, days int) {
	t.Helper()
	ctx := context.Background()
	iv := fmt.Sprintf("%d days", days)
	for _, q := range []string{
		`UPDATE messages SET updated_at = updated_at - $2::interval, received_at = received_at - $2::interval WHERE id = $1`,
		`UPDATE attachments SET updated_at = updated_at - $2::interval WHERE message_id = $1`,
		`UPDATE forms SET updated_at = updated_at - $2::interval WHERE attachment_id IN (SELECT id FROM attachments WHERE message_id = $1)`,
		`UPDATE decisions SET decided_at = decided_at - $2::interval WHERE form_id IN (SELECT f.id FROM forms f JOIN attachments a ON a.id = f.attachment_id WHERE a.message_id = $1)`,
		`UPDATE review_tasks SET created_at = created_at - $2::interval, closed_at = closed_at - $2::interval WHERE form_id IN (SELECT f.id FROM forms f JOIN attachments a ON a.id = f.attachment_id WHERE a.message_id = $1)`,
		`UPDATE requests SET created_at = created_at - $2::interval, done_at = done_at - $2::interval WHERE form_id IN (SELECT f.id FROM forms f JOIN attachments a ON a.id = f.attachment_id WHERE a.message_id = $1)`,
	} {
		if _, err := st.Pool().Exec(ctx, q, id, iv); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Purge empties the originals of finished messages past the period, and
// of nothing else; decisions, requests and the audit log stay.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pg.Database(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	asOf := time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC) // the sample corpus's day
	eng, err := ocr.New(ocr.Config{Workers: 1, Now: func() time.Time { return asOf }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	r, err := work.New(work.Config{
		Store: st, Reader: eng, Workers: 1, MaxAttempts: 1,
		Rules: validate.Config{Now: func() time.Time { return asOf }},
	})
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../testdata/sample/sub-0003.eml")
	if err != nil {
		t.Fatal(err)
	}
	ingest := func(raw []byte, name string) int64 {
		ins, err := r.Ingest(ctx, raw, "test:"+name)
		if err != nil {
			t.Fatal(err)
		}
		return ins.ID
	}
	html := ingest(htmlOnly("old"), "html")
	enc, err := work.Wrap("fax.pdf", encryptedForm(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	encrypted := ingest(enc, "encrypted")
	form := ingest(sample, "sample")
	recent := ingest(htmlOnly("recent"), "recent")
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{html, encrypted, form} {
		backdate(t, st, id, 40)
	}
	// The sample's form waits on a reviewer or a provisioning queue, or was
	// rejected: only in the last case is it finished already.
	waiting := count(t, st, `SELECT count(*) FROM forms f JOIN attachments a ON a.id = f.attachment_id
		LEFT JOIN review_tasks rt ON rt.form_id = f.id AND rt.status = 'open'
		LEFT JOIN requests q ON q.form_id = f.id AND q.status IN ('queued', 'claimed')
		WHERE a.message_id = $1 AND (rt.id IS NOT NULL OR q.id IS NOT NULL)`, form) > 0
	if count(t, st, `SELECT count(*) FROM decisions d JOIN forms f ON f.id = d.form_id JOIN attachments a ON a.id = f.attachment_id WHERE a.message_id = $1`, form) == 0 {
		t.Fatal("the sample's form was not decided")
	}
	before := map[int64][2]int64{}
	for _, id := range []int64{html, encrypted, form, recent} {
		raw, data := sizes(t, st, id)
		before[id] = [2]int64{raw, data}
	}
	audits := count(t, st, `SELECT count(*) FROM audit_log`)
	decisions := count(t, st, `SELECT count(*) FROM decisions`)

	opts := retention.Options{OlderThan: 30 * 24 * time.Hour}
	wantPurged := []int64{html, encrypted}
	if !waiting {
		wantPurged = append(wantPurged, form)
	}
	dry := opts
	dry.DryRun = true
	res, err := retention.Purge(ctx, st.Pool(), dry)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != len(wantPurged) {
		t.Errorf("dry run: %+v, want %d messages", res, len(wantPurged))
	}
	if raw, _ := sizes(t, st, html); raw != before[html][0] {
		t.Error("the dry run purged")
	}

	res, err = retention.Purge(ctx, st.Pool(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var wantBytes int64
	wantAtts := 0
	for _, id := range wantPurged {
		wantBytes += before[id][0] + before[id][1]
		wantAtts += count(t, st, `SELECT count(*) FROM attachments WHERE message_id = $1`, id)
	}
	t.Logf("sample form waiting: %v; purged %+v", waiting, res)
	if res.Messages != len(wantPurged) || res.Bytes != wantBytes || res.Attachments != wantAtts {
		t.Errorf("purge: %+v, want %d messages, %d attachments, %d bytes", res, len(wantPurged), wantAtts, wantBytes)
	}
	check := func(id int64, purged bool) {
		t.Helper()
		raw, data := sizes(t, st, id)
		switch {
		case purged && (raw != 0 || data != 0):
			t.Errorf("message %d: %d + %d bytes left after its purge", id, raw, data)
		case !purged && (raw != before[id][0] || data != before[id][1]):
			t.Errorf("message %d purged, want kept", id)
		}
		n := count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'message.purged' AND subject = $1`, fmt.Sprintf("message/%d", id))
		if (n == 1) != purged {
			t.Errorf("message %d: %d purge lines in the audit log", id, n)
		}
	}
	check(html, true)
	check(encrypted, true)
	check(form, !waiting)
	check(recent, false)
	if got := count(t, st, `SELECT count(*) FROM audit_log`); got != audits+len(wantPurged) {
		t.Errorf("audit log has %d lines, want the %d before and one per purge", got, audits)
	}
	if got := count(t, st, `SELECT count(*) FROM decisions`); got != decisions {
		t.Errorf("%d decisions after the purge, want %d", got, decisions)
	}
	if got := count(t, st, `SELECT count(*) FROM messages WHERE id = $1 AND status <> ''`, html); got != 1 {
		t.Error("the purged message's record is gone")
	}

	if waiting {
		// Once the reviewer and the provisioning staff are done, and the
		// period has passed since, the sample goes too.
		for _, q := range []string{
			`UPDATE review_tasks SET status = 'closed', closed_at = now() - interval '35 days' WHERE form_id IN (SELECT f.id FROM forms f JOIN attachments a ON a.id = f.attachment_id WHERE a.message_id = $1)`,
			`UPDATE requests SET status = 'granted', done_at = now() - interval '35 days' WHERE form_id IN (SELECT f.id FROM forms f JOIN attachments a ON a.id = f.attachment_id WHERE a.message_id = $1)`,
		} {
			if _, err := st.Pool().Exec(ctx, q, form); err != nil {
				t.Fatal(err)
			}
		}
		if res, err = retention.Purge(ctx, st.Pool(), opts); err != nil || res.Messages != 1 {
			t.Fatalf("purge once finished: %+v, %v; want the sample purged", res, err)
		}
		check(form, true)
	}
	if res, err = retention.Purge(ctx, st.Pool(), opts); err != nil || res != (retention.Result{}) {
		t.Errorf("purge again: %+v, %v; want nothing", res, err)
	}
	if _, err := retention.Purge(ctx, st.Pool(), retention.Options{}); err == nil {
		t.Error("purge with no period: no error")
	}
}

func TestParseAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"720h", 720 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"0d", 0, false},
		{"-3d", 0, false},
		{"thirty", 0, false},
		{"", 0, false},
	} {
		got, err := retention.ParseAge(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
