//! Changing the cluster's membership: Add server (and how the new one joins), and a
//! joint change that collects several changes to apply together (§4.3). Remove and
//! Promote live in each server's menu and log row.

use std::rc::Rc;

use raftviz_sim::{ConfChange, Joining};
use yew::prelude::*;

use crate::i18n::{use_lang, T};
use crate::names::changes_words;
use crate::state::{Action, Dispatch};

#[derive(Properties, PartialEq)]
pub struct MembershipControlsProps {
    pub joining: Joining,
    pub joint_on: bool,
    pub dispatch: Dispatch,
}

/// Add server, the way it joins, and the joint-change switch, in the controls bar.
#[function_component(MembershipControls)]
pub fn membership_controls(props: &MembershipControlsProps) -> Html {
    let lang = use_lang();
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_joining = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let chosen = event
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|select| Joining::parse(&select.value()));
            if let Some(joining) = chosen {
                dispatch.dispatch(Action::SetJoining(joining));
            }
        })
    };
    let way = |joining: Joining, text: T| {
        html! {
            <option value={joining.name()} selected={props.joining == joining}>{ lang.t(text) }</option>
        }
    };
    html! {
        <span class="membership" role="group" aria-label={lang.t(T::MembershipGroup)}>
            <button data-action="add-server" title={lang.t(T::AddServerTitle)}
                    onclick={send(Action::AddServer)}>{ lang.t(T::AddServer) }</button>
            <select data-action="add-how" aria-label={lang.t(T::AddHow)} onchange={on_joining}>
                { way(Joining::Learner, T::JoinAsLearner) }
                { way(Joining::CaughtUp, T::JoinCaughtUp) }
                { way(Joining::Voter, T::JoinAsVoter) }
            </select>
            <button data-action="joint" aria-pressed={props.joint_on.to_string()}
                    title={lang.t(T::JointChangeTitle)}
                    onclick={send(Action::ToggleJoint)}>{ lang.t(T::JointChange) }</button>
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct JointChangeBarProps {
    pub picked: Rc<Vec<ConfChange>>,
    pub dispatch: Dispatch,
}

/// The changes picked for a joint change, with Apply together and Cancel.
#[function_component(JointChangeBar)]
pub fn joint_change_bar(props: &JointChangeBarProps) -> Html {
    let lang = use_lang();
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let picked = if props.picked.is_empty() {
        lang.t(T::JointHint).to_owned()
    } else {
        lang.fill(T::JointPicked, &[&changes_words(lang, &props.picked)])
    };
    html! {
        <div class="joint-bar" role="group" aria-label={lang.t(T::JointChange)}
             data-joint-picks={props.picked.len().to_string()}>
            <span>{ picked }</span>
            <button data-action="apply-joint" disabled={props.picked.is_empty()}
                    onclick={send(Action::ApplyJoint)}>{ lang.t(T::ApplyTogether) }</button>
            <button data-action="cancel-joint" onclick={send(Action::ToggleJoint)}>{ lang.t(T::CancelJoint) }</button>
        </div>
    }
}
