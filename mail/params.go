package mail

import (
	"bytes"
	"io"
	"mime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// maxContinuations bounds the RFC 2231 continuation segments joined for one
// parameter (name*0, name*1, ...).
const maxContinuations = 100

// headerParams splits a structured header value such as Content-Type or
// Content-Disposition into its lower-cased value and its parameters (keys
// lower-cased). It is deliberately more forgiving than mime.ParseMediaType,
// which rejects the whole field for one unquoted space and drops RFC 2231
// values in charsets other than UTF-8: senders write both. Parameter values
// are decoded from RFC 2231 (extended values and continuations, any charset
// go-message knows) and from RFC 2047 encoded words, and are valid UTF-8.
func headerParams(s string) (string, map[string]string) {
	value, rest, _ := strings.Cut(s, ";")
	value = strings.ToLower(strings.TrimSpace(value))
	raw := map[string]string{}
	for {
		rest = strings.TrimLeft(rest, " \t\r\n;")
		if rest == "" {
			break
		}
		i := strings.IndexAny(rest, "=;")
		if i < 0 {
			break
		}
		if rest[i] == ';' { // a parameter without a value
			rest = rest[i+1:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(rest[:i]))
		rest = strings.TrimLeft(rest[i+1:], " \t\r\n")
		var val string
		if strings.HasPrefix(rest, `"`) {
			val, rest = unquote(rest[1:])
		} else {
			j := strings.IndexByte(rest, ';')
			if j < 0 {
				j = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:j]), rest[j:]
		}
		if _, dup := raw[key]; key != "" && !dup {
			raw[key] = val
		}
	}
	return value, assembleParams(raw)
}

// unquote reads a quoted string whose opening quote is already consumed,
// returning its content and what follows the closing quote. An unclosed
// quote runs to the end.
func unquote(s string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// assembleParams resolves RFC 2231 forms: an extended value (name*) wins
// over continuations (name*0, name*1*, ...), which win over a plain name.
func assembleParams(raw map[string]string) map[string]string {
	out := make(map[string]string, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic choice among odd duplicates
	for _, k := range keys {
		if !strings.Contains(k, "*") {
			out[k] = text(raw[k])
		}
	}
	for _, k := range keys {
		base, star, ok := strings.Cut(k, "*")
		if !ok || base == "" {
			continue
		}
		if star == "0" || star == "0*" {
			out[base] = continuation(raw, base)
		}
	}
	for _, k := range keys {
		if base, ok := strings.CutSuffix(k, "*"); ok && base != "" && !strings.Contains(base, "*") {
			cs, data := extValue(raw[k])
			out[base] = inCharset(cs, data)
		}
	}
	return out
}

// continuation joins name*0, name*1, ... in order; the charset comes from the
// first segment when it is extended.
func continuation(raw map[string]string, base string) string {
	var cs string
	var buf []byte
	for n := 0; n < maxContinuations; n++ {
		prefix := base + "*" + strconv.Itoa(n)
		if v, ok := raw[prefix+"*"]; ok {
			if n == 0 {
				var data []byte
				cs, data = extValue(v)
				buf = append(buf, data...)
			} else {
				buf = append(buf, percentDecode(v)...)
			}
		} else if v, ok := raw[prefix]; ok {
			buf = append(buf, v...)
		} else {
			break
		}
	}
	if cs == "" {
		return text(string(buf))
	}
	return inCharset(cs, buf)
}

// extValue splits an RFC 2231 extended value charset'language'%XX-text.
func extValue(v string) (string, []byte) {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return "", percentDecode(v)
	}
	return strings.ToLower(strings.TrimSpace(parts[0])), percentDecode(parts[2])
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(n))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return b
}

// inCharset converts bytes in the named charset to UTF-8. An unknown charset
// is not an error: the bytes are kept as they are (made valid UTF-8).
func inCharset(cs string, b []byte) string {
	switch cs {
	case "", "utf-8", "utf8", "us-ascii":
		return validUTF8(string(b))
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return validUTF8(string(b))
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(4*len(b)+16)))
	if err != nil {
		return validUTF8(string(b))
	}
	return validUTF8(string(out))
}

// wordDecoder decodes RFC 2047 encoded words in every charset go-message's
// charset package knows.
var wordDecoder = mime.WordDecoder{CharsetReader: charset.Reader}

// text decodes an unstructured header text: encoded words when present (an
// unknown charset keeps the raw text), and raw 8-bit bytes that are not
// UTF-8 read as Windows-1252, the usual culprit.
func text(s string) string {
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return validUTF8(s)
}

// validUTF8 returns s as valid UTF-8: s itself when it already is, else s read
// as Windows-1252.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	d, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return d
}
