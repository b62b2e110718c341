// The voter's phone's part of verifiable-v1 (→ static/js/verifiable-seal.bundle.js, global
// VotingVerifiable, loaded by the voter page): sealing and the receipt, from verifiable.mjs
// itself, and two pure helpers of the Benaloh check. The checking, opening and tally code of
// verifiable.bundle.js stays out, which keeps the voter page within its 30 KB (issue 9).

export { SCHEME, receiptOf, sealBallot, sessionContext, testRandom, toWire } from "./verifiable.mjs";

/** One option index per subject in the board's order (the order sctx is computed over), from
 * the voter's choices by subject id ({subject id: option id}); throws if one is missing or
 * is not an option of the board. */
export function choiceIndices(sessionJson, choices) {
  return sessionJson.subjects.map((subject) => {
    const index = sessionJson.options.indexOf(choices[subject]);
    if (index < 0) throw new Error("no choice of the board's options for " + subject);
    return index;
  });
}

/** Whether the server's answer to a check (POST /ballot/spoil: receipt, blank, choices
 * [{subject, option}]) decodes the very ballot this phone sealed, with the choices it sealed.
 * Anything else is a warning for the voter: the page or the server may be cheating. */
export function sameChoices(sessionJson, receipt, choices, answer) {
  if (!answer || answer.receipt !== receipt || answer.blank !== false || !Array.isArray(answer.choices)) return false;
  if (answer.choices.length !== sessionJson.subjects.length) return false;
  return answer.choices.every((told, s) => told && told.subject === sessionJson.subjects[s]
    && told.option === choices[told.subject]);
}
