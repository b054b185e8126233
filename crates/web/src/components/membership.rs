//! Changing the cluster's membership from the controls bar: Add server (and how the
//! new one joins), and a joint change that collects several changes (listed in the
//! notice) to apply together (§4.3). Remove and Promote live in each server's menu and
//! log row.

use raftviz_sim::{ConfChange, Joining};
use yew::prelude::*;

use crate::i18n::{Lang, T};
use crate::state::{Action, Dispatch};

/// A plain function rather than a component: it holds no state of its own, and each
/// component costs the page's size a lifecycle of its own. `joint` holds the changes
/// picked while a joint change is put together.
pub fn membership_controls(
    lang: Lang,
    joining: Joining,
    joint: Option<&[ConfChange]>,
    dispatch: &Dispatch,
) -> Html {
    let send = |action: Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_joining = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let chosen = event
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|select| Joining::parse(&select.value()));
            if let Some(joining) = chosen {
                dispatch.dispatch(Action::SetJoining(joining));
            }
        })
    };
    let way = |way: Joining, text: T| {
        html! {
            <option value={way.name()} selected={joining == way}>{ lang.t(text) }</option>
        }
    };
    html! {
        <>
            <button data-action="add-server" onclick={send(Action::AddServer)}>{ lang.t(T::AddServer) }</button>
            <select data-action="add-how" aria-label={lang.t(T::AddHow)} onchange={on_joining}>
                { way(Joining::Learner, T::JoinAsLearner) }
                { way(Joining::CaughtUp, T::JoinCaughtUp) }
                { way(Joining::Voter, T::JoinAsVoter) }
            </select>
            <button data-action="joint" aria-pressed={joint.is_some().to_string()}
                    title={lang.t(T::JointChangeTitle)}
                    onclick={send(Action::ToggleJoint)}>{ lang.t(T::JointChange) }</button>
            if let Some(picked) = joint {
                <button data-action="apply-joint" data-joint-picks={picked.len().to_string()}
                        disabled={picked.is_empty()} onclick={send(Action::ApplyJoint)}>{ lang.t(T::ApplyTogether) }</button>
                <button data-action="cancel-joint" onclick={send(Action::ToggleJoint)}>{ lang.t(T::CancelJoint) }</button>
            }
        </>
    }
}
