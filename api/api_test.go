package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lausd/misis-intake/api"
	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/store/storetest"
	"github.com/lausd/misis-intake/validate"
)

var pg *storetest.Server

func TestMain(m *testing.M) {
	pg = storetest.MustStart()
	code := m.Run()
	pg.Close()
	os.Exit(code)
}

// queued stores a form decided with one accepted request on queue
// ld-east and returns the request's ID.
func queued(t *testing.T, s *store.Store) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		m, err := store.InsertMessage(ctx, tx, store.NewMessage{Key: "api@x", Raw: []byte("x")})
		if err != nil {
			return err
		}
		sp, err := store.SaveSplit(ctx, tx, m.ID, []store.NewAttachment{{Filename: "a.pdf", Type: "pdf", Data: []byte("a")}})
		if err != nil {
			return err
		}
		rd, err := store.SaveRead(ctx, tx, sp.ToRead[0], []store.Page{{Page: 1}}, []forms.Reading{{Family: "district-staff", Pages: []int{1}}})
		if err != nil {
			return err
		}
		d, err := store.SaveDecision(ctx, tx, rd.Forms[0], validate.Decision{Outcome: validate.Accept, Requests: []validate.Request{{
			Action: validate.ActionAdd, Family: "district-staff", EmployeeNumber: "12345678", Email: "u@lausd.net",
			AdminEmail: "a@lausd.net", RolesAdd: []string{"Help Desk Support"}, Queue: "ld-east",
		}}}, nil)
		if err != nil {
			return err
		}
		id = d.Requests[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestQueueAPI(t *testing.T) {
	s, err := store.Open(context.Background(), pg.Database(t), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	id := queued(t, s)
	srv := httptest.NewServer(api.New(s))
	t.Cleanup(srv.Close)

	do := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp.StatusCode, out
	}
	sid := func(n int64) string { b, _ := json.Marshal(n); return string(b) }

	steps := []struct {
		name, method, path, body string
		code                     int
		check                    func(map[string]any) bool
	}{
		{"list the queue", "GET", "/api/queue?queue=ld-east", "", 200, func(m map[string]any) bool {
			qs := m["requests"].([]any)
			return len(qs) == 1 && qs[0].(map[string]any)["status"] == "queued"
		}},
		{"another queue is empty", "GET", "/api/queue?queue=central-office", "", 200, func(m map[string]any) bool {
			return len(m["requests"].([]any)) == 0
		}},
		{"claim without a name", "POST", "/api/queue/" + sid(id) + "/claim", `{}`, 400, nil},
		{"claim", "POST", "/api/queue/" + sid(id) + "/claim", `{"by":"pat"}`, 200, func(m map[string]any) bool {
			return m["status"] == "claimed" && m["claimed_by"] == "pat"
		}},
		{"claim again", "POST", "/api/queue/" + sid(id) + "/claim", `{"by":"sam"}`, 409, nil},
		{"done without an outcome", "POST", "/api/queue/" + sid(id) + "/done", `{"note":"x"}`, 400, nil},
		{"done", "POST", "/api/queue/" + sid(id) + "/done", `{"granted":true,"note":"set up"}`, 200, func(m map[string]any) bool {
			return m["status"] == "granted" && m["done_by"] == "pat"
		}},
		{"get", "GET", "/api/queue/" + sid(id), "", 200, func(m map[string]any) bool { return m["status"] == "granted" }},
		{"unknown request", "GET", "/api/queue/999999", "", 404, nil},
		{"bad id", "POST", "/api/queue/x/claim", `{"by":"pat"}`, 400, nil},
		{"queues", "GET", "/api/queues", "", 200, func(m map[string]any) bool { return len(m["queues"].([]any)) == 7 }},
	}
	for _, st := range steps {
		code, body := do(st.method, st.path, st.body)
		if code != st.code || (st.check != nil && !st.check(body)) {
			t.Errorf("%s: %d %v, want %d", st.name, code, body, st.code)
		}
	}
	out, err := s.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Errorf("%d e-mails in the outbox after completing, want 2 confirmations", len(out))
	}
}
