//! Rendering of the simulation as text. Every element carries the `data-*` hooks that
//! CONTRACT.md promises, so the browser tests and people read the same state.

use raftviz_sim::Simulation;
use yew::prelude::*;

/// Servers are numbered from 0 inside, but people count from 1 (S1..Sn).
fn server_name(id: usize) -> String {
    format!("S{}", id + 1)
}

pub fn controls(
    playing: bool,
    on_play: Callback<MouseEvent>,
    on_pause: Callback<MouseEvent>,
) -> Html {
    html! {
        <div class="controls">
            <button data-action="play" aria-pressed={playing.to_string()} onclick={on_play}>
                { "Play" }
            </button>
            <button data-action="pause" aria-pressed={(!playing).to_string()} onclick={on_pause}>
                { "Pause" }
            </button>
        </div>
    }
}

pub fn clock(ms: u64, speed: f64) -> Html {
    let speed_label = if speed < 1.0 {
        format!("1/{:.0} of real time", 1.0 / speed)
    } else {
        format!("{speed}× real time")
    };
    html! {
        <p class="clock" data-clock="" data-ms={ms.to_string()}>
            { format!("virtual time {}.{:03} s", ms / 1000, ms % 1000) }
            <span class="speed">{ format!(" · {speed_label}") }</span>
        </p>
    }
}

pub fn servers(sim: &Simulation) -> Html {
    let rows = (0..sim.server_count()).map(|id| {
        let s = sim.server_view(id);
        let voted_for = s.voted_for.map(|v| v.to_string()).unwrap_or_default();
        let voted_label = s.voted_for.map(server_name).unwrap_or_else(|| "nobody".into());
        html! {
            <li class={classes!("server", format!("role-{}", s.role), (!s.up).then_some("down"))}
                data-node={s.id.to_string()} data-role={s.role} data-up={s.up.to_string()}
                data-term={s.term.to_string()} data-voted-for={voted_for}
                data-commit={s.commit.to_string()} data-applied={s.applied.to_string()}
                data-last-index={s.last_index.to_string()} data-snapshot-index={s.snapshot_index.to_string()}>
                <strong class="name">{ server_name(s.id) }</strong>
                <span class="role">{ if s.up { s.role } else { "down" } }</span>
                <span>{ format!("term {} · voted for {voted_label}", s.term) }</span>
                <span>{ format!("log {} · commit {} · applied {} · snapshot {}", s.last_index, s.commit, s.applied, s.snapshot_index) }</span>
            </li>
        }
    });
    html! {
        <section class="panel">
            <h2>{ "Servers" }</h2>
            <ul class="servers">{ for rows }</ul>
        </section>
    }
}

pub fn messages(sim: &Simulation) -> Html {
    let in_flight = sim.messages_in_flight();
    let rows = in_flight.iter().map(|m| {
        html! {
            <li class="message" data-msg={m.id.to_string()} data-kind={m.kind}
                data-from={m.from.to_string()} data-to={m.to.to_string()}>
                { format!("{} → {} {} (sent at {} ms, arrives at {} ms)", server_name(m.from), server_name(m.to), m.label, m.sent_at, m.deliver_at) }
            </li>
        }
    });
    html! {
        <section class="panel">
            <h2>{ format!("Messages in flight ({})", in_flight.len()) }</h2>
            <ul class="messages">{ for rows }</ul>
        </section>
    }
}

pub fn invariants(sim: &Simulation) -> Html {
    let rows = sim.invariants().into_iter().map(|inv| {
        let detail = inv.detail.map(|d| format!(" — {d}")).unwrap_or_default();
        html! {
            <li class={classes!("invariant", if inv.ok { "ok" } else { "broken" })}
                data-invariant={inv.name} data-ok={inv.ok.to_string()}>
                { format!("{} {}{detail}", if inv.ok { "✓" } else { "✗" }, inv.name) }
            </li>
        }
    });
    html! {
        <section class="panel">
            <h2>{ "Safety invariants" }</h2>
            <ul class="invariants">{ for rows }</ul>
        </section>
    }
}
