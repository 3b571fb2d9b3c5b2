"""Concept lexicons in English, German, French and Spanish, compiled once at import.

Each concept is an idea the classifier reasons with ("an exit", "a surveillance demand",
"a reason that is not surveillance"), written as word families and short constructions
rather than as phrases from any one story, so that unseen wording still lands on a concept.
Patterns are plain `re` alternations anchored on word boundaries; they are precompiled
here because the analyzer must handle hundreds of articles a second on one core.

Concept patterns are written in lower case and match *lower-cased* text case-sensitively:
`re` then checks literals directly instead of case-folding every character, which makes
scanning about three times faster. Callers lower-case once per article (`lower`).
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.UNICODE


def _compile(*parts: str) -> re.Pattern[str]:
    """One pattern from word-family alternatives; each alternative is word-bounded.

    The result expects lower-cased text (see `lower`).
    """
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])")


def word_set(text: str) -> frozenset[str]:
    """A set of words from a whitespace-separated list (easier to read than a literal)."""
    return frozenset(text.split())


def lower(text: str) -> str:
    """Lower-case without changing length, so offsets stay valid in the original text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --- what the company does ------------------------------------------------------------

# A company leaving, withdrawing a product/feature/servers, or ceasing service.
EXIT = _compile(
    # English
    r"leav(?:e|es|ing)",
    r"left(?=\s+(?:the|its|their|a|an)\s)",
    r"left\s+\w+\s+(?=in|on|last|after|because|over|for|amid|rather|citing)",
    r"exit(?:s|ed|ing)?",
    r"quit(?:s|ting)?",
    r"walk(?:s|ed|ing)?(?:\s+(?:out|away))?",
    r"pull(?:s|ed|ing)?\s+(?:out|back|the\s+plug)",
    r"pull(?:s|ed|ing)?(?=\s+(?:its|their|the|his|her|\w+\s+\w+\s+(?:from|out)))",
    r"pull-?out",
    r"(?:pull|remov|withdr[ae]w)\w*\s+(?:\S+\s+){0,4}(?:from|out\s+of)(?=\s)",
    r"withdr[ae]w\w*",
    r"shut(?:s|ting)?\s+(?:down|off|its|their|the)",
    r"shutdown",
    r"shut(?:s|ting)?\s+(?:\S+\s+){0,2}(?:servers|data\s+cent(?:re|er)s?|offices?|operations)",
    r"switch(?:es|ed|ing)?\s+off",
    r"turn(?:s|ed|ing)?\s+off",
    r"(?:take|takes|taken|taking|took)\s+(?:\S+\s+){0,4}offline",
    r"clos(?:e|es|ed|ing)\s+(?:its|their|down)",
    r"cease(?:s|d)?",
    r"ceasing",
    r"stop(?:s|ped|ping)?\s+(?:offering|operating|serving|selling|providing|doing\s+business)",
    r"suspen(?:d|ds|ded|ding|sion)",
    r"remov(?:e|es|ed|ing|al\s+of)\s+(?:\S+\s+){0,4}servers",
    r"relocat\w*",
    r"mov(?:e|es|ed|ing)\s+(?:\S+\s+){0,4}(?:out\s+of|abroad|offshore)",
    r"wind(?:s|ing)?\s+down",
    r"wound\s+down",
    r"no\s+longer\s+(?:be\s+)?(?:available|offer\w*|operat\w*|run|provid\w*|accessible|serv\w*)",
    r"disabl\w*",
    r"(?:went|go|goes|gone)\s+dark",
    r"end(?:s|ed|ing)?\s+(?:its\s+|their\s+)?(?:service|operations)",
    r"drop(?:s|ped|ping)?\s+(?:the\s+|its\s+)?feature",
    r"(?:be|being)\s+blocked",
    r"departure",
    r"abandon\w*",
    # German
    r"verl(?:a|ä)ss\w*",
    r"verlie(?:ß|ss)\w*",
    r"zurückzu?zieh\w*",
    r"zurückgezogen",
    r"zieh\w*\s+(?:\S+\s+){0,5}zurück",
    r"rückzug\w*",
    r"wegzug\w*",
    r"abzug",
    r"abzuschalten",
    r"abschalt\w*",
    r"abgeschaltet",
    r"schalt\w*\s+(?:\S+\s+){0,5}ab",
    r"einzustellen",
    r"einstell(?:en|ung)",
    r"eingestellt",
    r"stell\w*\s+(?:\S+\s+){0,6}ein",
    r"aussteig\w*",
    r"marktaustritt",
    # French
    r"quitt\w*",
    r"(?:se|s')\s*retir\w*",
    r"retir(?:e|es|ent|er|era|erait|é|ée)",
    r"retrait",
    r"cess(?:e|er|era|erait|é)",
    r"suspend(?:re|ra|rait|u)",
    r"ferm(?:e|er|era|é)(?=\s+(?:ses|son|sa|le|la|les))",
    r"délocalis\w*",
    r"désactiv\w*",
    # Spanish
    r"salir",
    r"saldr\w*",
    r"sali[óo]",
    r"retir(?:a|an|ar|ará|aría|ó|ado|ada)",
    r"retirada",
    r"cesar",
    r"cerr(?:ar|ará|ó|ado)",
    r"dej(?:a|ar|ará|aría|ó|ado)\s+de\s+(?:operar|ofrecer|prestar|funcionar)",
    r"dej(?:ar|ará|aría)(?=\s+(?:el|la|de)\b)",
    r"suspend(?:er|erá|ió|ido)",
)

# A government or court cutting a service off. Whether that counts depends on the reason.
BLOCK = _compile(
    r"block(?:s|ed|ing)?",
    r"ban(?:s|ned|ning)?",
    r"prohibit\w*",
    r"outlaw\w*",
    r"cut(?:s|ting)?\s+(?:\S+\s+)?off",
    r"sperr\w*",
    r"verbiet\w*",
    r"verbot\w*",
    r"bloqu\w*",
    r"interdi\w*",
    r"prohib\w*",
)

# Negation that makes an exit not happen ("has no plans to leave", "denied it would exit"),
# read in the words before the exit verb.
EXIT_NEGATION = re.compile(
    r"(?:\b(?:not|never|no|nor|without|kein\w*|nicht|nie|jamais|pas|sin|nunca)\b(?!\s+longer)"
    r"(?:\s+\S+){0,3}\s*$)|(?:\b(?:denie[sd]|deny|rul(?:e|es|ed)\s+out)\b(?:\s+\S+){0,4}\s*$)",
    _FLAGS,
)
# German puts "nicht" after a finite verb ("verlässt Deutschland nicht") or between the
# parts of a separable one ("zieht sich nicht zurück"): read in the same clause from the
# start of the exit verb. "nicht nur" (not only) and "nicht mehr" (no longer, a completed
# exit) are not negations of the exit.
NEGATION_FROM_VERB = re.compile(
    r"[^,.;:!?\n]{0,60}?\bnicht\b(?!\s+(?:nur|mehr|länger)\b)",
    _FLAGS,
)
# French wraps a simple tense in "ne ... pas" ("ne quittera pas la France"). "ne" alone
# is not enough: "ne quittera la France que si" is a conditional threat, not a denial.
FRENCH_NE = re.compile(r"\bn(?:e\b|['’])(?:\s*\S+){0,2}\s*$", _FLAGS)
FRENCH_PAS = re.compile(r"[^,.;:!?\n]{0,40}?\b(?:pas|jamais|point|nullement)\b", _FLAGS)

# --- the surveillance demand ----------------------------------------------------------

SURVEILLANCE_KINDS: dict[str, re.Pattern[str]] = {
    "access": _compile(
        r"back[\s-]?doors?",
        r"master\s+keys?",
        r"(?:encryption|decryption|private|session)\s+keys?",
        r"keys?\s+to\s+(?:its|their|the)\s+encryption",
        r"decrypt\w*",
        r"(?:break|breaks|breaking|broke|weaken\w*|undermin\w*|bypass\w*|compromis\w*)\s+"
        r"(?:\S+\s+){0,3}encryption",
        r"(?:lawful|exceptional|unfettered|wholesale|blanket|direct|real-time|open|readable|"
        r"special|bulk|live|full|government)\s+access",
        r"access\s+to\s+(?:\S+\s+){0,4}(?:data|messages|communications|content|traffic|"
        r"information|e-?mails?|chats|calls|conversations|backups|files|accounts|servers)",
        r"read\s+(?:\S+\s+){0,3}(?:messages|e-?mails?|chats|communications|conversations)",
        r"hand\w*\s+(?:\S+\s+){0,3}over\s+(?:\S+\s+){0,3}(?:keys|messages|data|content|logs|"
        r"communications|information)",
        r"(?:turn|give|gives|giving)\s+over\s+(?:\S+\s+){0,3}(?:messages|data|keys|content)",
        r"retrieve\s+encrypted",
        r"(?:technical\s+)?capability\s+notices?",
        r"investigatory\s+powers\s+act",
        r"assistance\s+and\s+access",
        # German, French, Spanish
        r"hintertür\w*",
        r"zugriff\s+auf\s+(?:\S+\s+){0,3}(?:daten|nachrichten|kommunikation)",
        r"entschlüssel\w*",
        r"portes?\s+dérobées?",
        r"accès\s+aux\s+(?:\S+\s+){0,2}(?:échanges|messages|données|communications)",
        r"clés?\s+de\s+chiffrement",
        r"déchiffr\w*",
        r"puertas?\s+traseras?",
        r"claves?\s+de\s+cifrado",
        r"acceso\s+a\s+(?:\S+\s+){0,3}(?:datos|mensajes|comunicaciones)",
        r"descifr\w*",
    ),
    "monitoring": _compile(
        r"monitor(?:s|ed|ing)?",
        r"intercept\w*",
        r"wiretap\w*",
        r"tap\s+(?:its|their|the)\s+(?:network|lines|traffic)",
        r"surveil\w*",
        r"spy\s+on",
        r"eavesdrop\w*",
        r"sorm",
        r"inspected",
        r"überwach\w*",
        r"mitzules\w*",
        r"mitles\w*",
        r"abhör\w*",
        r"ausspäh\w*",
        r"écoutes?",
        r"vigilancia",
        r"vigilar",
        r"intercepción",
        r"espiar",
        r"espionner",
    ),
    "scanning": _compile(
        r"client[\s-]side\s+scanning",
        r"scan\w*\s+(?:\S+\s+){0,3}(?:messages|content|devices|photos|chats|communications)",
        r"chat\s*control",
        r"upload\s+moderation",
        r"chatkontrolle",
        r"durchsuch\w*",
        r"analyser\s+(?:\S+\s+){0,2}messages",
        r"escane\w*",
    ),
    "retention": _compile(
        r"data[\s-]retention",
        r"retention\s+(?:rules?|laws?|requirements?|mandates?|bill|directive|period|order|plans?|"
        r"ordinance|decree|proposals?)",
        r"retain\w*\s+(?:\S+\s+){0,3}(?:data|logs|records|communications|metadata|information)",
        r"(?:store|stores|storing|keep|keeps|keeping|log|logs|record|records|recording|save|"
        r"saving)\s+(?:\S+\s+){0,5}(?:logs|records|names|ip\s+addresses|usage|activity|"
        r"identities|metadata|browsing|connection\s+data|user\s+data|customer\s+data|"
        r"users'\s+data|customers'\s+(?:data|information)|communications|message\s+data)",
        r"logging\s+(?:rules?|requirements?|mandates?|obligations?|laws?|orders?|directive|decree)",
        r"log\w*\s+(?:users|customers|user|customer)(?:'s?)?\s+(?:data|activity|identit\w*|"
        r"connections)",
        r"no-logs?",
        r"identify\s+(?:\S+\s+){0,2}(?:users|customers|subscribers)",
        r"regist(?:er|ers|ering|ry)\s+(?:of\s+)?(?:\S+\s+){0,2}(?:users?|customers?|subscribers?)",
        r"user\s+identification",
        r"traceab\w*",
        r"trace\s+(?:the\s+)?(?:first\s+)?(?:sender|originator)",
        r"vorratsdaten\w*",
        r"auf\s+vorrat",
        r"speicher\w*\s+(?:\S+\s+){0,4}(?:ip-adressen|nutzerdaten|verbindungsdaten|daten)",
        r"(?:speicherung|identifizierung)\s+(?:\S+\s+){0,3}(?:ip|daten|nutzer|verbindung)\w*",
        r"conserv\w*\s+(?:\S+\s+){0,6}(?:données|métadonnées|noms|historiques|journaux|"
        r"adresses\s+ip)",
        r"identifier\s+leurs\s+utilisateurs",
        r"conserv\w*\s+(?:\S+\s+){0,6}(?:datos|registros|metadatos|nombres|direcciones\s+ip)",
        r"guardar\s+(?:\S+\s+){0,3}(?:datos|registros)",
        r"identificar\s+a\s+(?:cada|sus)\s+usuarios?",
        r"registros\s+de\s+(?:uso|conexión)",
    ),
}

# "had not been asked to hand over user data": the story denies a surveillance demand
SURVEILLANCE_DENIED = _compile(
    r"(?:not|never)\s+(?:been\s+|being\s+)?(?:asked|required|requested|told|ordered)\s+to",
    r"no\s+(?:request|demand)s?\s+(?:for|to)",
    r"nothing\s+to\s+do\s+with",
    r"aucune\s+demande",
    r"ninguna\s+(?:solicitud|petición)",
    r"keine\s+(?:forderung|anfrage)",
)

# A government or law asking for something.
DEMAND = _compile(
    r"demand\w*",
    r"requir\w*",
    r"order(?:s|ed|ing)?",
    r"forc(?:e|es|ed|ing)",
    r"compel\w*",
    r"oblig\w*",
    r"insist\w*",
    r"want(?:s|ed|ing)?",
    r"seek\w*",
    r"sought",
    r"ask(?:s|ed|ing)?",
    r"mandat\w*",
    r"must",
    r"needs?",
    r"directives?",
    r"decrees?",
    r"laws?",
    r"bill",
    r"rules?",
    r"regulations?",
    r"ordinance",
    r"act",
    r"notices?",
    r"proposals?",
    r"amendments?",
    r"requests?",
    r"told",
    r"(?:would|will|has|have)\s+to",
    r"made\s+to",
    r"verlang\w*",
    r"forder\w*",
    r"verpflicht\w*",
    r"pflicht",
    r"gesetz\w*",
    r"verordnung\w*",
    r"entwurf",
    r"muss",
    r"müssen",
    r"erlaub\w*",
    r"exig\w*",
    r"impos\w*",
    r"loi",
    r"décret",
    r"amendement",
    r"ley",
    r"norma\w*",
    r"reforma",
    r"resolución",
    r"decreto",
    r"orden\w*",
    r"requier\w*",
)

GOVERNMENT = _compile(
    r"government\w*",
    r"authorit(?:y|ies)",
    r"regulators?",
    r"ministr(?:y|ies)",
    r"minister",
    r"officials?",
    r"agenc(?:y|ies)",
    r"police",
    r"courts?",
    r"judges?",
    r"parliament",
    r"lawmakers",
    r"home\s+office",
    r"security\s+services?",
    r"intelligence",
    r"fsb",
    r"regierung",
    r"behörden?",
    r"polizei",
    r"gericht",
    r"gouvernement",
    r"autorités",
    r"renseignement",
    r"gobierno",
    r"autoridades",
    r"tribunal",
    r"juez",
)

# --- why, and how strongly ------------------------------------------------------------

CAUSAL = _compile(
    r"because",
    r"over",
    r"after",
    r"citing",
    r"due\s+to",
    r"in\s+response\s+to",
    r"rather\s+than",
    r"instead\s+of",
    r"unless",
    r"if",
    r"amid",
    r"following",
    r"in\s+protest",
    r"as\s+a\s+result",
    r"wegen",
    r"weil",
    r"aufgrund",
    r"grund",
    r"hintergrund",
    r"falls",
    r"bevor",
    r"reagiert",
    r"à\s+cause",
    r"en\s+raison",
    r"parce\s+que",
    r"plutôt\s+que",
    r"en\s+cause",
    r"si",
    r"por",
    r"debido\s+a",
    r"tras",
    r"porque",
    r"responde",
)

REFUSAL = _compile(
    r"refus\w*",
    r"reject\w*",
    r"(?:will|would|does|did|do|could|can|shall)\s*(?:not|n't)\s+(?:\S+\s+)?(?:comply|hand|give|"
    r"build|create|install|compromise|weaken|break|participate|provide|allow|permit|let|support)",
    r"won't",
    r"never\s+(?:\S+\s+)?(?:built|build|permitted|created|create|compromise|will|had|grant\w*)",
    r"not\s+for\s+sale",
    r"rather\s+than\s+(?:ever\s+)?(?:comply\w*|weaken\w*|undermin\w*|compromis\w*|log\w*|keep\w*|"
    r"build\w*|install\w*|hand\w*|break\w*|allow\w*|let\w*)",
    r"rather\s+than\s+allow",
    r"no\s+way\s+to\s+comply",
    r"cannot\s+comply",
    r"can't\s+comply",
    r"incompatible",
    r"lehn\w*\s+(?:\S+\s+){0,5}ab",
    r"weiger\w*",
    r"keine\s+hintertür",
    r"niemals",
    r"bevor\s+wir",
    r"jamais",
    r"plutôt\s+que",
    r"se\s+nieg\w*",
    r"rechaz\w*",
    r"nunca",
    r"no\s+vamos\s+a",
    r"no-logs?",
)

# a conditional that turns "would leave" into a threat ("would leave if the law passes")
CONDITION = _compile(
    r"if",
    r"unless",
    r"should",
    r"rather",
    r"were",
    r"falls",
    r"sollte\w*",
    r"si",
    r"plutôt",
    r"notfalls",
    r"bevor",
)

ANNOUNCE = _compile(
    r"will",
    r"'ll",
    r"(?:is|are)\s+to",
    r"plans?\s+to",
    r"planning\s+to",
    r"set\s+to",
    r"going\s+to",
    r"decided\s+to",
    r"decision\s+to",
    r"announc\w*",
    r"confirm\w*",
    r"intends?\s+to",
    r"(?:is|are)\s+(?:shutting|pulling|leaving|exiting|moving|closing|removing|withdrawing|"
    r"ending|switching|winding|disabling|quitting|stopping|suspending|relocating)",
    r"begins?",
    r"ahead\s+of",
    r"next\s+(?:week|month|year)",
    r"to\s+(?:exit|leave|quit|pull|withdraw|shut|suspend|stop|disable|close|end|remove|"
    r"switch|relocate|move)",
    r"wird",
    r"werden",
    r"angekündigt",
    r"kündig\w*",
    r"beschlossen",
    r"va",
    r"vont",
    r"allait",
    r"annonc\w*",
    r"d'ici",
    r"à\s+partir",
    r"va\s+a",
    r"van\s+a",
    r"anunci\w*",
    r"a\s+partir",
    r"\w+[aei]rán?",  # Spanish future: saldrá, cerrarán
)

COMPLETE = _compile(
    r"(?:has|have)\s+(?:\S+\s+){0,2}(?:left|exited|withdrawn|pulled|shut|removed|closed|ended|"
    r"stopped|switched|taken|disabled|ceased|suspended|quit|moved|relocated|blocked|cut|"
    r"gone|completed|started|begun)",
    r"(?:has|have)\s+been\s+(?:\S+\s+)?(?:removed|switched|shut|taken|disabled|blocked|"
    r"suspended|cut|unable)",
    r"(?:was|were)\s+(?:\S+\s+)?(?:cut\s+off|blocked|suspended|switched\s+off|shut\s+down|"
    r"taken\s+offline|removed|disabled|completed)",
    r"went\s+dark",
    r"gone\s+dark",
    r"(?:can|could)\s+no\s+longer",
    r"(?:is|are)\s+no\s+longer",
    r"no\s+longer\s+(?:available|accessible)",
    r"took\s+effect",
    r"taken\s+effect",
    r"began\s+(?:blocking|to\s+block|cutting)",
    r"started\s+(?:blocking|to\s+block)",
    r"since\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|then|last)",
    r"last\s+(?:week|month)",
    # the verb is checked first so the six look-behinds run only where it stands
    r"(?=left|exited|withdrew|shut|removed|closed|ceased|stopped|switched|disabled|"
    r"suspended|ended|cut|took|pulled)"
    r"(?<!to\s)(?<!will\s)(?<!would\s)(?<!may\s)(?<!could\s)(?<!might\s)"
    r"(?:left|exited|withdrew|shut|removed|closed|ceased|stopped|switched|disabled|"
    r"suspended|ended|cut|took|pulled)(?=\s+(?:its|their|the|all|down|off|out|a|an|"
    r"\S+\s+(?:servers|service|feature|option)))",
    r"hat\s+(?:\S+\s+){0,10}(?:abgeschaltet|eingestellt|verlassen|zurückgezogen|geschlossen)",
    r"(?:wurde|wurden)\s+(?:\S+\s+){0,4}(?:abgeschaltet|eingestellt)",
    r"nicht\s+mehr",
    r"(?:a|ont)\s+(?:\S+\s+){0,3}(?:quitté|retiré|fermé|cessé|suspendu|désactivé|coupé)",
    r"n'est\s+plus",
    r"ne\s+(?:peut|peuvent)\s+plus",
    r"plus\s+disponible",
    r"a\s+commencé\s+à\s+bloquer",
    r"(?:ha|han)\s+(?:\S+\s+){0,2}(?:dejado|retirado|cerrado|abandonado|salido|suspendido|"
    r"bloqueado|comenzado)",
    r"ya\s+no",
)

REVERSE = _compile(
    r"revers\w*",
    r"u-turn",
    r"backtrack\w*",
    r"back(?:ed|s|ing)?\s+(?:down|off)",
    r"cancel\w*",
    r"call(?:s|ed|ing)?\s+off",
    r"scrap(?:s|ped|ping)?",
    r"rescind\w*",
    r"(?:withdr[ae]w\w*|drop\w*|lift\w*|overturn\w*|revok\w*)\s+(?:the\s+|its\s+|a\s+|their\s+)?"
    r"(?:\S+\s+){0,3}(?:order|directive|demand|requirement|ban|block|threat|suspension|"
    r"restrictions|rule|deadline|notice)",
    r"(?:will|to|would|can|could|is|are)\s+(?:\S+\s+)?(?:stay|staying|remain|continue)\b",
    r"stay(?:s|ing)?\s+in",
    r"after\s+all",
    r"continu(?:e|es|ing)\s+(?:to\s+)?(?:operat\w*|serv\w*|run\w*|work\w*|beyond)",
    r"keep\s+(?:working|running|operating)",
    r"restor\w*",
    r"back\s+online",
    r"return(?:s|ing|ed)?\s+to",
    r"(?:bring|brings|bringing|brought)\s+(?:\S+\s+){0,3}back",
    r"reprieve",
    r"(?:deal|agreement|settlement)\s+(?:was\s+|has\s+been\s+)?(?:reached|struck)",
    r"reach(?:ed|es|ing)?\s+(?:a|an)\s+(?:\S+\s+)?(?:deal|agreement)",
    r"(?:after|following)\s+(?:a|an)\s+(?:\S+\s+)?(?:deal|agreement)",
    r"(?:after|following)\s+(?:\S+\s+){0,3}(?:deal|agreement)",
    r"compliant",
    r"settled",
    r"bleib\w*",
    r"einigung",
    r"zurückgenommen",
    r"aufgehoben",
    r"doch\s+nicht",
    r"rest(?:e|era|ent)",
    r"accord",
    r"renonc\w*",
    r"rétabli\w*",
    r"revien\w*",
    r"marche\s+arrière",
    r"se\s+queda\w*",
    r"permanec\w*",
    r"acuerdo",
    r"levant\w*",
    r"restablec\w*",
    r"marcha\s+atrás",
)

# An earlier exit plan being referred back to: "had planned to leave", "a ban that halted".
PRIOR_EXIT = _compile(
    r"had\s+(?:\S+\s+){0,2}(?:planned|announced|threatened|said|warned|set|been|ordered|"
    r"switched|pulled|shut)",
    r"planned\s+(?:\S+\s+)?(?:exit|departure|shutdown|cut-off|suspension|withdrawal)",
    r"would\s+have\s+(?:forced|required|meant)",
    r"(?:a|the)\s+(?:ban|block|suspension|shutdown|blackout|cut-off)\s+(?:that|which)",
    r"(?:months?|years?|weeks?)\s+(?:ago|after)",
    r"(?:ending|end)\s+(?:a|the)\s+(?:\S+\s+){0,2}(?:attempt|ban|block|effort)",
    r"hatte\w*",
    r"avait",
    r"había",
)

COMPLIANCE = _compile(
    r"compl(?:y|ies|ied|ying)",
    r"agree\w*\s+to\s+(?:\S+\s+)?(?:comply|store|hand|let|give|provide|keep|retain|log|install|"
    r"monitor|register|share)",
    r"register(?:s|ed|ing)?\s+with",
    r"(?:began|begin|begins|will|start\w*)\s+(?:to\s+)?(?:storing|store|logging|log|handing|"
    r"hand|giving|give|sharing|share)",
    r"add(?:s|ed|ing)?\s+(?:a|an)\s+(?:\S+\s+){0,3}(?:mechanism|feature|capability|interface)",
    r"keep\s+(?:its|their)\s+licen[cs]e",
    r"befolg\w*",
    r"se\s+conform\w*",
    r"acept\w*",
    r"cumplir",
)
COMPLIANCE_NEGATION = re.compile(
    r"(?:not|n't|never|refus\w*|rather\s+than|no\s+way\s+to|cannot|impossible|instead\s+of|"
    r"without|unable\s+to|if\s+it\s+cannot|nicht|pas|no|would|could|if)\s+(?:\S+\s+){0,2}$"
    # "in order to comply", "made to ... to comply": a hypothetical, not a decision
    r"|(?<!agreed\s)(?<!agrees\s)(?<!decided\s)(?<!plans\s)\bto\s+$",
    _FLAGS,
)

# Some other company than the story's subject did the leaving ("rivals that have pulled out").
OTHER_ACTOR = re.compile(
    r"\b(?:rivals?|competitors?|others|users|customers|people|subscribers|"
    r"other\s+(?:companies|providers|firms|services)|"
    r"several\s+(?:\S+\s+)?(?:providers|companies|firms))\s+(?:\S+\s+){0,3}$",
    _FLAGS,
)

# Reasons that make an exit a near miss when no surveillance demand is given as the cause.
NEAR_MISS_REASONS: dict[str, re.Pattern[str]] = {
    "sanctions": _compile(r"sanction\w*", r"sanktion\w*", r"embargo\w*", r"sanciones"),
    "war": _compile(
        r"war",
        r"invasion",
        r"invad\w*",
        r"humanitarian",
        r"armed\s+conflict",
        r"krieg\w*",
        r"guerre",
        r"guerra",
        r"bélic\w*",
    ),
    "business": _compile(
        r"unprofitable",
        r"profitab\w*",
        r"weak\s+(?:sales|demand)",
        r"market\s+share",
        r"business\s+model",
        r"(?:rising|high)\s+costs",
        r"payroll",
        r"restructur\w*",
        r"layoffs?",
        r"laying\s+off",
        r"bankrupt\w*",
        r"(?:business|operating)\s+(?:and\s+legal\s+)?environment",
        r"regulatory\s+uncertainty",
        r"payments?\s+(?:routes|providers)",
        r"umsatz\w*",
        r"zahlungen",
        r"ventas",
    ),
    "tax": _compile(r"tax\w*", r"levy", r"levies", r"steuer\w*", r"impôts?", r"impuestos?"),
    "competition": _compile(
        r"antitrust",
        r"competition\s+(?:law|rules|regulator|authority|commission)",
        r"digital\s+competition",
        r"fair\s+trade",
        r"dominant\s+position",
        r"digital\s+markets\s+act",
        r"dma",
        r"interoperab\w*",
        r"kartell\w*",
    ),
    "news": _compile(
        r"news\s+(?:code|bargaining|content|media|publishers|outlets|payments?)",
        r"pay\s+(?:\S+\s+){0,2}(?:publishers|news)",
        r"online\s+news\s+act",
        r"bargaining\s+code",
        r"media\s+bargaining",
        r"publishers\s+for",
        r"remov\w*\s+news",
    ),
    "censorship": _compile(
        r"censor\w*",
        r"take\s*downs?",
        r"delist\w*",
        r"remov\w*\s+(?:\S+\s+){0,2}(?:posts|accounts|articles|results)",
        r"(?:blocked|banned|sensitive)\s+(?:sites|websites|content|results)",
        r"content\s+(?:moderation|removal|rules|duties)",
        r"moderation\s+duties",
        r"disinformation",
        r"hate\s+speech",
        r"abusive",
        r"hass\w*",
        r"zensur",
        r"censure",
        r"censura",
        r"registry\s+of\s+banned",
        r"blocklist",
        r"(?:get|gets|getting)\s+around\s+(?:\S+\s+){0,3}filters",
        r"critical\s+of",
        r"criticism\s+of",
        r"filter\w*\s+(?:\S+\s+){0,2}(?:content|results|websites|sites)",
    ),
    "espionage": _compile(
        r"espionage",
        r"spying",
        r"spy\s+for",
        r"used\s+(?:\S+\s+){0,3}(?:for|to)\s+spy\w*",
        r"national\s+security\s+(?:risk|threat|concerns?|grounds)",
        r"security\s+(?:risks?|fears|concerns|threat)",
        r"ties\s+to",
        r"links\s+to\s+(?:\S+\s+){0,2}intelligence",
        r"chinese\s+(?:government|communist\s+party|state|authorities|intelligence)",
        r"communist\s+party",
        r"beijing",
        r"prejudicial",
        r"sovereignty",
        r"spionage\w*",
        r"intelligence\s+laws?",
    ),
    "age_verification": _compile(
        r"age\s+verification", r"verify\s+(?:\S+\s+)?age", r"identity\s+documents"
    ),
    "privacy_regulation": _compile(
        r"ai\s+act",
        r"copyright\w*",
        r"training\s+data",
        r"data\s+transfers?",
        r"transfer\w*\s+(?:\S+\s+){0,5}data",
        r"privacy\s+shield",
        r"(?:privacy|data\s+protection)\s+(?:probe|commissioners?|regulators?|authority|"
        r"commission)",
        r"scrap\w*\s+(?:\S+\s+){0,3}photos",
        r"without\s+consent",
        r"gdpr",
    ),
    "fine": _compile(r"fin(?:e|ed|es)", r"bußgeld\w*", r"amende", r"multa\w*"),
}

# Stopwords used to guess the language of a sentence (for demand phrases and summaries).
ENGLISH_HINTS = word_set("the and of to is was will would that with for its has have")
