//! Start parameters from the page URL (`?seed=<u64>&speed=<factor>&scenario=<name>`,
//! and a shared run in the fragment `#run=<...>`). A malformed value never blanks the
//! page: it is reported and the default is used instead.

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
    /// A shared scenario moment, `#scenario=<name>&step=<n>&faulty=<0|1>`: a
    /// scenario's state is fixed by these, so the link replays it exactly.
    pub scenario_link: Option<ScenarioLink>,
    /// Human-readable complaints about parameters that were ignored.
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioLink {
    pub name: String,
    pub step: Option<usize>,
    pub faulty: bool,
}

impl ScenarioLink {
    pub fn fragment(&self) -> String {
        let step = self
            .step
            .map_or(String::new(), |step| format!("&step={step}"));
        format!(
            "#scenario={}{step}&faulty={}",
            self.name,
            u8::from(self.faulty)
        )
    }

    fn parse(hash: &str) -> Option<ScenarioLink> {
        let mut link = ScenarioLink {
            name: String::new(),
            step: None,
            faulty: false,
        };
        for pair in hash.strip_prefix("#scenario=")?.split('&') {
            match pair.split_once('=') {
                None => link.name = pair.to_owned(),
                Some(("step", step)) => link.step = step.parse().ok(),
                Some(("faulty", faulty)) => link.faulty = faulty == "1",
                Some(_) => {}
            }
        }
        Some(link)
    }
}

impl StartParams {
    /// Parses a `location.search` string such as `?seed=7&speed=1` and a
    /// `location.hash` such as `#run=...`. Unknown keys are left alone so that later
    /// parameters do not break older pages.
    pub fn from_url(query: &str, hash: &str) -> StartParams {
        let mut start = StartParams {
            seed: DEFAULT_SEED,
            speed: DEFAULT_SPEED,
            scenario: None,
            run_fragment: hash.strip_prefix("#run=").map(str::to_owned),
            scenario_link: ScenarioLink::parse(hash),
            errors: Vec::new(),
        };
        let pairs = query
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty());
        for pair in pairs {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "seed" => match value.parse::<u64>() {
                    Ok(seed) => start.seed = seed,
                    Err(_) => start.errors.push(format!(
                        "Ignored seed \"{value}\": a seed is a whole number from 0 to {}. Running seed {DEFAULT_SEED}.",
                        u64::MAX
                    )),
                },
                "speed" => match parse_speed(value) {
                    Some(speed) => start.speed = speed,
                    None => start.errors.push(format!(
                        "Ignored speed \"{value}\": a speed is a number above 0 and at most {MAX_SPEED}, like 1 or 1/50. Running at 1/50."
                    )),
                },
                "scenario" => start.scenario = Some(value.to_owned()),
                _ => {}
            }
        }
        start
    }
}

/// Accepts a decimal (`0.5`) or a fraction (`1/50`), since "one fiftieth of real time"
/// is the natural way to say slow motion.
fn parse_speed(text: &str) -> Option<f64> {
    let speed = match text.split_once("%2F").or_else(|| text.split_once('/')) {
        Some((numerator, denominator)) => {
            numerator.parse::<f64>().ok()? / denominator.parse::<f64>().ok()?
        }
        None => text.parse::<f64>().ok()?,
    };
    (speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED).then_some(speed)
}
