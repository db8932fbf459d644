package raster

import "strconv"

// tokKind classifies a content stream token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokOperand
	tokOperator
	// tokBad is anything a single-image page has no use for (strings,
	// arrays, dictionaries, inline images): the page is then rendered.
	tokBad
)

// lexer splits a PDF content stream into operands (numbers, names) and
// operators. It only needs to understand the pages it accepts; anything
// richer is tokBad.
type lexer struct {
	buf []byte
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) next() (string, tokKind) {
	for l.pos < len(l.buf) {
		c := l.buf[l.pos]
		if isSpace(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.buf) && l.buf[l.pos] != '\n' && l.buf[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		break
	}
	if l.pos >= len(l.buf) {
		return "", tokEOF
	}
	start := l.pos
	c := l.buf[l.pos]
	switch {
	case c == '/':
		l.pos++
		for l.pos < len(l.buf) && !isSpace(l.buf[l.pos]) && !isDelim(l.buf[l.pos]) {
			l.pos++
		}
		return string(l.buf[start:l.pos]), tokOperand
	case isDelim(c):
		return "", tokBad
	}
	for l.pos < len(l.buf) && !isSpace(l.buf[l.pos]) && !isDelim(l.buf[l.pos]) {
		l.pos++
	}
	tok := string(l.buf[start:l.pos])
	if _, ok := parseNumber(tok); ok {
		return tok, tokOperand
	}
	return tok, tokOperator
}

// parseNumber parses a PDF number (integer or real, no exponent).
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || (c == '-' || c == '+') && i == 0) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
