package agent

import "regexp"

// humanRequest matches a visitor asking for a person rather than the bot,
// in English and a few other languages: "I want to talk to a human",
// "can I speak to someone", "real person please", "agent", "un conseiller".
var humanRequest = regexp.MustCompile(`(?i)\b(` +
	`humans?|real (person|people|agent)|live (agent|person|chat)|` +
	`(talk|speak|chat) (to|with) (a |an |some |your )?(person|people|someone|somebody|agent|operator|representative|manager|staff|support|team)|` +
	`operator|representative|customer (service|support) agent|` +
	`humain|conseill[eè]re?|une personne|humano|una persona|mensch|mitarbeiter(in)?` +
	`)\b|^\s*(an? )?(agent|person)( please)?[.!]*\s*$`)

// wantsHuman says whether the visitor's message asks for a person.
func wantsHuman(text string) bool { return humanRequest.MatchString(text) }
