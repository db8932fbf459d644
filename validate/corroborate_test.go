package validate

import "testing"

func TestEmailFromName(t *testing.T) {
	tests := []struct {
		local, first, last string
		want               bool
	}{
		{"maria.garcia", "Maria", "Garcia", true},
		{"Maria.Garcia", "maria", "GARCIA", true},
		{"mgarcia", "Maria", "Garcia", true},
		{"m.garcia", "Maria", "Garcia", true},
		{"mariag", "Maria", "Garcia", true},
		{"mariagarcia", "Maria", "Garcia", true},
		{"maria_garcia", "Maria", "Garcia", true},
		{"maria.garcia@lausd.net", "Maria", "Garcia", true},
		{"sobrien", "Sean", "O'Brien", true},
		{"jose.nunez", "José", "Núñez", true},
		{"ana.garcialopez", "Ana", "Garcia-Lopez", true},
		{"maria.garcia@gmail.com", "Maria", "Garcia", false},
		{"maria.garcla", "Maria", "Garcia", false}, // one letter off is not the same read
		{"mgarcia7", "Maria", "Garcia", false},
		{"garcia.maria", "Maria", "Garcia", false},
		{"rgarcia", "Maria", "Garcia", false},
		{"", "Maria", "Garcia", false},
		{"m", "M", "", false},
	}
	for _, tt := range tests {
		if got := EmailFromName(tt.local, tt.first, tt.last); got != tt.want {
			t.Errorf("EmailFromName(%q, %q, %q) = %v, want %v", tt.local, tt.first, tt.last, got, tt.want)
		}
	}
}

func TestLookAlike(t *testing.T) {
	tests := []struct {
		read, want string
		same       bool
	}{
		{"jaguilar", "laguilar", true},
		{"isantos", "lsantos", true},
		{"1santos", "lsantos", true},
		{"bridgetbrooks", "bridget.brooks", true},
		{"thoang", "lhoang", true},
		{"heontreras", "hcontreras", true},
		{"ywu", "rwu", false},
		{"fatima-okafor", "fatima.okafor", true},
		{"fatima,okafor", "fatima.okafor", true},
		{"fatimaiokafor", "fatima.okafor", false},
		{"letlam", "leilam", true},
		{"laguilar", "laguilar", false}, // not a correction: the same
		{"kaguilar", "laguilar", false},
		{"jaguilor", "laguilar", false},
		{"jiguilar", "laguilar", false},
		{"bridgetbrook", "bridget.brooks", false},
		{"bridget.brooks", "bridgetbrooks", false},
		{"baker", "lbaker", true}, // a thin stroke lost
		{"kevin", "kevinl", true},
		{"mchen", "mchen1", true},
		{"aker", "lbaker", false},               // two lost
		{"kbaker", "baker", false},              // one gained, not a thin stroke
		{"kevin", "kevins", false},              // not a thin stroke
		{"lbker", "lbaker", false},              // a round letter lost
		{"ssusanm", "susanm", true},             // a letter doubled
		{"mmaria.torres", "maria.torres", true}, // a letter doubled
		{"susanmm", "susanm", true},
		{"sausanm", "susanm", false}, // one more, neither thin nor doubled
		{"myung", "mjung", true},     // j y
		{"anh.meyia", "anh.mejia", true},
		{"deniset", "denisef", true}, // f t
		{"denisek", "denisef", false},
	}
	for _, tt := range tests {
		if got := lookAlike(tt.read, tt.want); got != tt.same {
			t.Errorf("lookAlike(%q, %q) = %v, want %v", tt.read, tt.want, got, tt.same)
		}
	}
}
