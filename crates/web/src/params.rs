//! Start parameters from the page URL (`?seed=<u64>&speed=<factor>&scenario=<name>&servers=<n>&present=1&lang=<en|zh>`,
//! and a shared run in the fragment `#run=<...>`). A malformed value never blanks the
//! page: it is reported and the default is used instead.

use raftviz_sim::decimal;

use crate::i18n::{Lang, T};

pub const DEFAULT_SEED: u64 = 1;
/// Virtual ms per real ms. Slow by default so that people can follow each message.
pub const DEFAULT_SPEED: f64 = 1.0 / 50.0;
/// Above this, a frame would cover too much virtual time to show anything useful.
const MAX_SPEED: f64 = 1000.0;

#[derive(Clone, Debug, PartialEq)]
pub struct StartParams {
    pub seed: u64,
    pub speed: f64,
    /// A built-in scenario to walk through (checked when the page starts).
    pub scenario: Option<String>,
    /// The text after `#run=` (decoded and replayed when the page starts).
    pub run_fragment: Option<String>,
    /// A shared scenario moment, `#scenario=<name>&step=<n>&variant=<id>` (older
    /// links say `&faulty=<0|1>`): a scenario's state is fixed by these, so the link
    /// replays it exactly.
    pub scenario_link: Option<ScenarioLink>,
    /// How many servers a free-play run starts with (3 to 9).
    pub servers: Option<usize>,
    /// Presentation mode: the page scaled for a projector.
    pub present: bool,
    /// The page's language: `?lang=`, else the browser's.
    pub lang: Lang,
    /// Human-readable complaints about parameters that were ignored.
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioLink {
    pub name: String,
    pub step: Option<usize>,
    /// The variant's name; `None` plays the first (or the only) way.
    pub variant: Option<String>,
}

impl ScenarioLink {
    pub fn fragment(&self) -> String {
        let step = self
            .step
            .map_or(String::new(), |step| format!("&step={step}"));
        let variant = self
            .variant
            .as_ref()
            .map_or(String::new(), |id| format!("&variant={id}"));
        format!("#scenario={}{step}{variant}", self.name)
    }

    fn parse(hash: &str) -> Option<ScenarioLink> {
        let mut link = ScenarioLink {
            name: String::new(),
            step: None,
            variant: None,
        };
        for pair in hash.strip_prefix("#scenario=")?.split('&') {
            match pair.split_once('=') {
                None => link.name = pair.to_owned(),
                Some(("step", step)) => link.step = step.parse().ok(),
                Some(("variant", id)) => link.variant = Some(id.to_owned()),
                // Links made before variants: Figure 8's faulty commit rule.
                Some(("faulty", "1")) => link.variant = Some("faulty".into()),
                Some(_) => {}
            }
        }
        Some(link)
    }
}

impl StartParams {
    /// The same start in English, first saying why the language asked for is missing.
    pub fn in_english_because(mut self, error: &str) -> StartParams {
        let message = Lang::En.fill(T::LangNotLoaded, &[&self.lang.own_name(), &error]);
        self.errors.insert(0, message);
        self.lang = Lang::En;
        self
    }

    /// Parses a `location.search` string such as `?seed=7&speed=1` and a
    /// `location.hash` such as `#run=...`. Unknown keys are left alone so that later
    /// parameters do not break older pages.
    /// `browser` is the language the browser asks for, used unless `lang=` is given; the
    /// complaints are written in the language the page will show.
    pub fn from_url(query: &str, hash: &str, browser: Lang) -> StartParams {
        let mut start = StartParams {
            seed: DEFAULT_SEED,
            speed: DEFAULT_SPEED,
            scenario: None,
            run_fragment: hash.strip_prefix("#run=").map(str::to_owned),
            scenario_link: ScenarioLink::parse(hash),
            servers: None,
            present: false,
            lang: browser,
            errors: Vec::new(),
        };
        let pairs = || {
            query
                .trim_start_matches('?')
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        };
        // The language first, so that every other complaint is in it.
        let mut bad_lang = None;
        for (_, value) in pairs().filter(|(key, _)| *key == "lang") {
            match Lang::parse(value) {
                Some(lang) => start.lang = lang,
                None => bad_lang = Some(value),
            }
        }
        let lang = start.lang;
        if let Some(value) = bad_lang {
            start
                .errors
                .push(lang.fill(T::BadLang, &[&value, &lang.own_name()]));
        }
        let mut bad_seed = None;
        let mut seed_given = false;
        for (key, value) in pairs() {
            match key {
                "seed" => match value.parse::<u64>() {
                    Ok(seed) => {
                        start.seed = seed;
                        seed_given = true;
                    }
                    Err(_) => bad_seed = Some(value.to_owned()),
                },
                "servers" => match value.parse::<usize>() {
                    Ok(servers) if (3..=9).contains(&servers) => start.servers = Some(servers),
                    _ => start.errors.push(lang.fill(T::BadServers, &[&value])),
                },
                "present" => start.present = value != "0",
                "speed" => match parse_speed(value) {
                    Some(speed) => start.speed = speed,
                    None => start
                        .errors
                        .push(lang.fill(T::BadSpeed, &[&value, &(MAX_SPEED as u32)])),
                },
                "scenario" => start.scenario = Some(value.to_owned()),
                _ => {}
            }
        }
        match start.scripted_seed() {
            Some(scripted) if seed_given && scripted != start.seed => start
                .errors
                .push(lang.fill(T::SeedOfScenario, &[&start.seed, &scripted])),
            _ => {}
        }
        if let Some(value) = bad_seed {
            let running = match start.scripted_seed() {
                Some(seed) => lang.fill(T::ScenarioRunsSeed, &[&seed]),
                None => lang.fill(T::RunningSeed, &[&start.seed]),
            };
            start
                .errors
                .push(lang.fill(T::BadSeed, &[&value, &u64::MAX, &running]));
        }
        start
    }

    /// The seed a scenario (by name or link) fixes, whatever `seed=` says.
    fn scripted_seed(&self) -> Option<u64> {
        let name = self
            .scenario_link
            .as_ref()
            .map(|link| &link.name)
            .or(self.scenario.as_ref())?;
        raftviz_sim::scenario::listed(name)
            .ok()
            .map(|listed| listed.seed)
    }
}

/// Accepts a decimal (`0.5`) or a fraction (`1/50`), since "one fiftieth of real time"
/// is the natural way to say slow motion.
fn parse_speed(text: &str) -> Option<f64> {
    let speed = match text.split_once("%2F").or_else(|| text.split_once('/')) {
        Some((numerator, denominator)) => decimal::parse(numerator)? / decimal::parse(denominator)?,
        None => decimal::parse(text)?,
    };
    (speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED).then_some(speed)
}

/// `query` (a `location.search`) with `present=1` in it or taken out, and `lang=` set
/// to a language a person chose (`None` keeps the query's own, or none: the page then
/// follows each browser's language), so that a shared link opens in the chosen one.
pub fn query_with(query: &str, present: bool, lang: Option<Lang>) -> String {
    let mut pairs: Vec<String> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next();
            !pair.is_empty() && key != Some("present") && (lang.is_none() || key != Some("lang"))
        })
        .map(str::to_owned)
        .collect();
    if let Some(lang) = lang {
        pairs.push(format!("lang={}", lang.code()));
    }
    if present {
        pairs.push("present=1".into());
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Rewrites the address bar in place (no new history entry: the browser's Back
/// should leave the page, not walk through every link shared) with `fragment`, or the
/// current one, `present=1` kept in step with presentation mode and `lang=` set to a
/// language just chosen; returns the whole address.
pub fn replace_url(fragment: Option<&str>, present: bool, lang: Option<Lang>) -> String {
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let query = query_with(&location.search().unwrap_or_default(), present, lang);
    let hash = fragment.map_or_else(|| location.hash().unwrap_or_default(), str::to_owned);
    let relative = format!("{path}{query}{hash}");
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&relative));
    }
    location.href().unwrap_or(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_language_replaces_the_query_one_and_present_stays_last() {
        assert_eq!(
            query_with("?seed=3&lang=en&present=1", true, Some(Lang::Zh)),
            "?seed=3&lang=zh&present=1"
        );
        assert_eq!(query_with("?lang=zh", false, None), "?lang=zh");
        assert_eq!(query_with("", false, None), "");
    }

    #[test]
    fn lang_in_the_url_beats_the_browser_and_a_bad_one_is_reported_in_the_browsers() {
        let start = StartParams::from_url("?lang=zh&speed=x", "", Lang::En);
        assert_eq!(start.lang, Lang::Zh);
        assert!(
            start.errors[0].starts_with("已忽略 speed"),
            "{:?}",
            start.errors
        );
        let start = StartParams::from_url("?lang=fr", "", Lang::Zh);
        assert_eq!(start.lang, Lang::Zh);
        assert!(
            start.errors[0].contains("lang \"fr\""),
            "{:?}",
            start.errors
        );
        assert_eq!(StartParams::from_url("", "", Lang::En).lang, Lang::En);
    }
}
