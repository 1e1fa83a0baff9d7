package agent

import "testing"

func TestWantsHuman(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"I want to talk to a human", true},
		{"Can I speak to someone please?", true},
		{"real person please", true},
		{"Agent", true},
		{"an agent please!", true},
		{"connect me with a representative", true},
		{"I'd like to chat with your support team", true},
		{"Je voudrais parler à un conseiller", true},
		{"Quiero hablar con un humano", true},
		{"Ich möchte mit einem Mitarbeiter sprechen", true},
		{"How do I reset my password?", false},
		{"My travel agent booked the wrong dates", false},
		{"Is the operating system supported?", false},
		{"Personally I prefer the blue one", false},
	} {
		if got := wantsHuman(c.text); got != c.want {
			t.Errorf("wantsHuman(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
