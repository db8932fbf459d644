package validate

import (
	"context"
	"testing"
)

// BenchmarkDecide measures the rules on a complete access form and on a
// full page of batch removals.
func BenchmarkDecide(b *testing.B) {
	env := testEnv(b)
	forms := map[string]form{
		"access": mirror(env.Registry),
		"batch": batchForm(env.Registry, rowGarcia, rowNguyen, rowOkafor, rowHakobyan, rowGarcia,
			rowGarcia, rowNguyen, rowOkafor, rowHakobyan, rowGarcia),
	}
	for name, f := range forms {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Decide(context.Background(), f.Reading, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
