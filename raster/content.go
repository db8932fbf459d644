package raster

import (
	"math"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// A page is "one image" when its content stream paints nothing but one image
// XObject. Scanners add things that paint nothing: invisible OCR text (text
// render mode 3), a clip to the page, marked content, colour and line state.
// soleDraw accepts those and nothing else; any other page is rendered.

// Limits on what soleDraw reads.
const (
	maxOperands   = 64
	maxStackDepth = 32
)

// operators that only set state, whatever their operands.
var stateOperators = map[string]bool{
	"gs": true, "w": true, "J": true, "j": true, "M": true, "d": true, "ri": true, "i": true,
	"g": true, "G": true, "rg": true, "RG": true, "k": true, "K": true,
	"cs": true, "CS": true, "sc": true, "SC": true, "scn": true, "SCN": true,
	"BT": true, "ET": true, "Tf": true, "Td": true, "TD": true, "Tm": true, "T*": true,
	"Tc": true, "Tw": true, "Tz": true, "TL": true, "Ts": true,
	"BMC": true, "BDC": true, "EMC": true, "MP": true, "DP": true,
}

// text-showing operators: they paint unless the render mode is 3.
var textShowOperators = map[string]bool{"Tj": true, "TJ": true, "'": true, "\"": true}

// drawState is the part of the graphics state soleDraw follows.
type drawState struct {
	ctm      [6]float64
	textMode int
}

// soleDraw reads a content stream and, when it paints exactly one XObject
// and nothing else, returns the XObject's name and the transformation in
// effect when it is drawn. A clip is allowed only if it keeps the whole
// page box.
func soleDraw(content []byte, box types.Rectangle) (string, [6]float64, bool) {
	st := drawState{ctm: [6]float64{1, 0, 0, 1, 0, 0}}
	var (
		stack    []drawState
		operands []token
		name     string
		at       [6]float64
		draws    int
		clipRect []float64 // the pending path, when it is one rectangle
		clipping bool      // W or W* seen for the pending path
	)
	lx := lexer{buf: content}
	for {
		tok := lx.next()
		switch tok.kind {
		case tokEOF:
			return name, at, draws == 1
		case tokBad:
			return "", at, false
		case tokOperand:
			if len(operands) == maxOperands {
				return "", at, false
			}
			operands = append(operands, tok)
			continue
		}
		op := tok.text
		nums, allNumbers := numbers(operands)
		switch {
		case op == "q":
			if len(stack) == maxStackDepth {
				return "", at, false
			}
			stack = append(stack, st)
		case op == "Q":
			if len(stack) == 0 {
				return "", at, false
			}
			st, stack = stack[len(stack)-1], stack[:len(stack)-1]
		case op == "cm":
			if len(nums) != 6 || !allNumbers {
				return "", at, false
			}
			st.ctm = mulMatrix([6]float64(nums), st.ctm)
		case op == "Tr":
			if len(nums) != 1 || !allNumbers {
				return "", at, false
			}
			st.textMode = int(nums[0])
		case textShowOperators[op]:
			if st.textMode != 3 {
				return "", at, false
			}
		case op == "re":
			if len(nums) != 4 || !allNumbers || clipRect != nil {
				return "", at, false
			}
			clipRect = nums
		case op == "W" || op == "W*":
			clipping = true
		case op == "n":
			if clipping && (clipRect == nil || !coversBox(clipRect, st.ctm, box)) {
				return "", at, false
			}
			clipRect, clipping = nil, false
		case op == "Do":
			if len(operands) != 1 || operands[0].kind != tokOperand || len(operands[0].text) < 2 || operands[0].text[0] != '/' {
				return "", at, false
			}
			draws++
			name, at = operands[0].text[1:], st.ctm
		case stateOperators[op]:
		default:
			// Painting (f, S, B, sh, EI...), other path operators, or
			// anything unknown.
			return "", at, false
		}
		operands = operands[:0]
	}
}

// numbers returns the numeric operands, and whether all operands were
// numbers.
func numbers(operands []token) ([]float64, bool) {
	out := make([]float64, 0, len(operands))
	for _, o := range operands {
		v, ok := parseNumber(o.text)
		if !ok {
			return out, false
		}
		out = append(out, v)
	}
	return out, true
}

// coversBox reports whether the rectangle r (x, y, w, h in user space under
// ctm) contains the page box, give or take a point and a half.
func coversBox(r []float64, ctm [6]float64, box types.Rectangle) bool {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{r[0], r[1]}, {r[0] + r[2], r[1]}, {r[0], r[1] + r[3]}, {r[0] + r[2], r[1] + r[3]}} {
		x := c[0]*ctm[0] + c[1]*ctm[2] + ctm[4]
		y := c[0]*ctm[1] + c[1]*ctm[3] + ctm[5]
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	const tol = 1.5
	return minX <= box.LL.X+tol && minY <= box.LL.Y+tol && maxX >= box.UR.X-tol && maxY >= box.UR.Y-tol
}

// mulMatrix returns m x n for PDF matrices [a b c d e f] (row vectors).
func mulMatrix(m, n [6]float64) [6]float64 {
	return [6]float64{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// tokKind classifies a content stream token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokOperand
	tokOperator
	// tokBad is what a one-image page has no use for (unbalanced
	// delimiters, inline image data): the page is then rendered.
	tokBad
)

type token struct {
	kind tokKind
	text string // the operator, a number or a /Name; other operands are ""
}

// lexer splits a PDF content stream into operands and operators. Strings,
// arrays and dictionaries are skipped whole as one operand: soleDraw only
// needs their count.
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

func (l *lexer) skipSpace() {
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
		return
	}
}

func (l *lexer) next() token {
	l.skipSpace()
	if l.pos >= len(l.buf) {
		return token{kind: tokEOF}
	}
	start := l.pos
	switch c := l.buf[l.pos]; {
	case c == '/':
		l.pos++
		l.regular()
		return token{kind: tokOperand, text: string(l.buf[start:l.pos])}
	case c == '(':
		if !l.skipString() {
			return token{kind: tokBad}
		}
		return token{kind: tokOperand}
	case c == '<' && l.pos+1 < len(l.buf) && l.buf[l.pos+1] == '<', c == '[':
		if !l.skipNested() {
			return token{kind: tokBad}
		}
		return token{kind: tokOperand}
	case c == '<':
		for l.pos < len(l.buf) && l.buf[l.pos] != '>' {
			l.pos++
		}
		if l.pos == len(l.buf) {
			return token{kind: tokBad}
		}
		l.pos++
		return token{kind: tokOperand}
	case isDelim(c):
		return token{kind: tokBad}
	}
	l.regular()
	text := string(l.buf[start:l.pos])
	if _, ok := parseNumber(text); ok {
		return token{kind: tokOperand, text: text}
	}
	if text == "true" || text == "false" || text == "null" {
		return token{kind: tokOperand, text: text}
	}
	return token{kind: tokOperator, text: text}
}

// regular advances over regular characters.
func (l *lexer) regular() {
	for l.pos < len(l.buf) && !isSpace(l.buf[l.pos]) && !isDelim(l.buf[l.pos]) {
		l.pos++
	}
}

// skipString advances over a literal string, with nested parentheses and
// escapes.
func (l *lexer) skipString() bool {
	depth := 0
	for ; l.pos < len(l.buf); l.pos++ {
		switch l.buf[l.pos] {
		case '\\':
			l.pos++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				l.pos++
				return true
			}
		}
	}
	return false
}

// skipNested advances over an array or a dictionary, whatever it holds.
func (l *lexer) skipNested() bool {
	depth := 0
	for l.pos < len(l.buf) {
		switch c := l.buf[l.pos]; {
		case c == '(':
			if !l.skipString() {
				return false
			}
			continue
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '<' && l.pos+1 < len(l.buf) && l.buf[l.pos+1] == '<':
			depth++
			l.pos++
		case c == '>' && l.pos+1 < len(l.buf) && l.buf[l.pos+1] == '>':
			depth--
			l.pos++
		case c == '%':
			l.skipSpace()
			continue
		}
		l.pos++
		if depth == 0 {
			return true
		}
		if depth < 0 {
			return false
		}
	}
	return false
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
