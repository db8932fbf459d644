package work

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
)

// writeBase64 writes data base64-encoded in lines of 76 characters.
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
}

// mimeWord encodes s for a header when it is not plain ASCII.
func mimeWord(s string) string { return mime.QEncoding.Encode("utf-8", s) }

// asciiName keeps a file name safe for a quoted header parameter.
func asciiName(name, typ string) string {
	var sb strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			sb.WriteByte('_')
			continue
		}
		sb.WriteRune(r)
	}
	if sb.Len() == 0 {
		return "document." + typ
	}
	return sb.String()
}
