//! Names Go accepts in `\p{…}` and `[[:…:]]`.
//!
//! Flux 2.9 controllers are built with Go 1.26, whose `unicode` package carries Unicode 15.0.0:
//! the general categories, their long aliases (Go 1.25+), the scripts of Unicode 15.0, and `Any`,
//! `Assigned`, `ASCII`. Since Go 1.25 a name matches ignoring case, spaces, `_` and `-`.
//! Script short codes (`Latn`), `sc=`/`gc=` prefixes and binary properties (`Alphabetic`,
//! `White_Space`, `Emoji`) are Rust/PCRE extensions Go rejects.

/// General categories (one and two letters), including `LC` and `Cn` (Go 1.25+).
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "LC", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me",
    "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk",
    "Sm", "So", "Z", "Zl", "Zp", "Zs",
];

/// The long names and other aliases of the general categories (Unicode's
/// PropertyValueAliases, `gc` lines).
const CATEGORY_ALIASES: &[&str] = &[
    "Other",
    "Control",
    "cntrl",
    "Format",
    "Unassigned",
    "Private_Use",
    "Surrogate",
    "Letter",
    "Cased_Letter",
    "Lowercase_Letter",
    "Modifier_Letter",
    "Other_Letter",
    "Titlecase_Letter",
    "Uppercase_Letter",
    "Mark",
    "Combining_Mark",
    "Spacing_Mark",
    "Enclosing_Mark",
    "Nonspacing_Mark",
    "Number",
    "Decimal_Number",
    "digit",
    "Letter_Number",
    "Other_Number",
    "Punctuation",
    "punct",
    "Connector_Punctuation",
    "Dash_Punctuation",
    "Close_Punctuation",
    "Final_Punctuation",
    "Initial_Punctuation",
    "Other_Punctuation",
    "Open_Punctuation",
    "Symbol",
    "Currency_Symbol",
    "Modifier_Symbol",
    "Math_Symbol",
    "Other_Symbol",
    "Separator",
    "Line_Separator",
    "Paragraph_Separator",
    "Space_Separator",
];

/// Scripts of Unicode 15.0.0, by their long names.
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Names beyond categories and scripts (Unicode TR18, Go 1.25+).
const SPECIAL: &[&str] = &["Any", "Assigned", "ASCII"];

/// POSIX classes of `[[:name:]]`.
const POSIX: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Go's lookup key: letters only, case ignored.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether Go knows the Unicode class `name` (without `^`).
pub fn unicode_class(name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let key = fold(name);
    CATEGORIES
        .iter()
        .chain(CATEGORY_ALIASES)
        .chain(SCRIPTS)
        .chain(SPECIAL)
        .any(|n| fold(n) == key)
}

/// Whether `name` (between `[:` and `:]`, without `^`) is a POSIX class; these are exact.
pub fn posix_class(name: &str) -> bool {
    POSIX.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_15_scripts_with_common_and_inherited() {
        // Unicode 15.0 counts 161 scripts besides Common and Inherited, which Go also lists.
        let mut s = SCRIPTS.to_vec();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 163);
    }

    #[test]
    fn lookup_ignores_case_and_separators_like_go_1_25() {
        for ok in [
            "L",
            "Lu",
            "Greek",
            "greek",
            "Old_Italic",
            "old italic",
            "OLD-ITALIC",
            "Uppercase_Letter",
            "upper case-let ter",
            "Any",
            "ascii",
            "Assigned",
            "LC",
            "Cn",
        ] {
            assert!(unicode_class(ok), "{ok}");
        }
        for bad in [
            "",
            "Latn",
            "Alphabetic",
            "White_Space",
            "Emoji",
            "sc=Greek",
            "Garay",
            "Foo",
        ] {
            assert!(!unicode_class(bad), "{bad}");
        }
    }
}
