// Package api serves the provisioning queue as a JSON HTTP API, for the
// provisioning staff's tools and the review web UI built on top of it. It
// does the same as `intake queue`: list the requests of a queue, claim one,
// and complete it as granted or denied (which queues the confirmation
// e-mails in the same transaction).
//
//	GET  /api/queue?queue=NAME&status=STATUS   list requests, oldest first
//	GET  /api/queue/{id}                        one request
//	POST /api/queue/{id}/claim  {"by": "..."}   claim a queued request
//	POST /api/queue/{id}/done   {"granted": true|false, "note": "...", "by": "..."}
//	GET  /api/queues                            the provisioning queues
//
// Errors are JSON {"error": "..."} with 400 for bad input, 404 for an
// unknown request and 409 for a request not in a state that allows the
// change. The API has no authentication of its own: serve it on a
// loopback address or behind the district's authenticating proxy.
package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/lausd/misis-intake/store"
	"github.com/lausd/misis-intake/validate"
)

// New returns the API's handler.
func New(st *store.Store) http.Handler {
	h := &handler{st: st}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/queues", h.queues)
	mux.HandleFunc("GET /api/queue", h.list)
	mux.HandleFunc("GET /api/queue/{id}", h.get)
	mux.HandleFunc("POST /api/queue/{id}/claim", h.claim)
	mux.HandleFunc("POST /api/queue/{id}/done", h.done)
	return mux
}

type handler struct{ st *store.Store }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

func writeErr(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, store.ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, errBadRequest):
		code = http.StatusBadRequest
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

var errBadRequest = errors.New("bad request")

func badRequest(msg string) error { return &badReq{msg} }

type badReq struct{ msg string }

func (e *badReq) Error() string { return e.msg }
func (e *badReq) Unwrap() error { return errBadRequest }

func (h *handler) queues(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]string{"queues": validate.Queues()})
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	f := store.RequestFilter{Queue: r.URL.Query().Get("queue"), Status: r.URL.Query().Get("status")}
	qs, err := h.st.Requests(r.Context(), f)
	if err != nil {
		writeErr(w, err)
		return
	}
	if qs == nil {
		qs = []store.Request{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": qs})
}

func requestID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, badRequest("request id must be a positive number")
	}
	return id, nil
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	id, err := requestID(r)
	if err == nil {
		var q store.Request
		if q, err = h.st.Request(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, q)
			return
		}
	}
	writeErr(w, err)
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body: " + err.Error())
	}
	return nil
}

func (h *handler) claim(w http.ResponseWriter, r *http.Request) {
	var body struct {
		By string `json:"by"`
	}
	id, err := requestID(r)
	if err == nil {
		err = decodeBody(r, &body)
	}
	if err == nil && body.By == "" {
		err = badRequest(`"by" must name who claims the request`)
	}
	if err == nil {
		var q store.Request
		if q, err = h.st.Claim(r.Context(), id, body.By); err == nil {
			writeJSON(w, http.StatusOK, q)
			return
		}
	}
	writeErr(w, err)
}

func (h *handler) done(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Granted *bool  `json:"granted"`
		Note    string `json:"note"`
		By      string `json:"by"`
	}
	id, err := requestID(r)
	if err == nil {
		err = decodeBody(r, &body)
	}
	if err == nil && body.Granted == nil {
		err = badRequest(`"granted" must be true or false`)
	}
	if err == nil {
		var q store.Request
		if q, err = h.st.Complete(r.Context(), id, store.Completion{Granted: *body.Granted, By: body.By, Note: body.Note}); err == nil {
			writeJSON(w, http.StatusOK, q)
			return
		}
	}
	writeErr(w, err)
}
