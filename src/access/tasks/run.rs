//! Asking every check of every persona: the checks of each persona kind read once into lines
//! and entries ([`Plan`]), each line filled with a persona's values and asked of its role.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::template::{Line, Names, Template};
use super::{
    Check, Expect, Objects, Persona, PersonaRun, Sections, Tasks, TasksError, When, assume_tokens, context_of, k8s_ask,
    parse_when, when_holds,
};
use crate::access::iam::{Ask, Context};
use crate::access::{Answer, Deployment, Question, RoleQuestions};

/// One entry of the checks, read once for every persona of its kind.
struct Planned<'t> {
    expect: Expect,
    /// Its number among the entries of every kind ([`Checked::entry`]).
    number: usize,
    label: Arc<str>,
    when: When<'t>,
    /// Its request lines, by number among the distinct lines of the kind ([`Plan::lines`]).
    requests: Vec<usize>,
    objects: Vec<Template<'t>>,
}

/// The checks of one persona kind, read once: its entries and the distinct request lines they
/// name. Entries repeat lines (`list pods -n {NS}` is in five of a scientist's): each is filled
/// and asked once per persona, and every check of it gets that answer.
struct Plan<'t> {
    entries: Vec<Planned<'t>>,
    lines: Vec<Line<'t>>,
}

/// `numbered`: how many entries the plans before this one have.
fn plan<'t>(sections: &'t Sections, names: &mut Names<'t>, numbered: usize) -> Plan<'t> {
    let mut lines: Vec<Line<'t>> = Vec::new();
    let mut numbers: BTreeMap<(&'static str, &'t str), usize> = BTreeMap::new();
    let mut entries = Vec::new();
    for (expect, entry) in sections.entries() {
        let written = (entry.aws.iter().map(|l| ("aws", l)))
            .chain(entry.k8s.iter().map(|l| ("k8s", l)))
            .chain(entry.assume.iter().map(|l| ("assume", l)));
        let mut requests = Vec::new();
        for (kind, text) in written {
            let number = *numbers.entry((kind, text.as_str())).or_insert_with(|| {
                lines.push(Line::read(kind, text, names));
                lines.len() - 1
            });
            requests.push(number);
        }
        entries.push(Planned {
            expect,
            number: numbered + entries.len(),
            label: entry.label().into(),
            when: parse_when(entry.when.as_deref()),
            requests,
            objects: entry.object.iter().map(|l| Template::read(l, names)).collect(),
        });
    }
    Plan { entries, lines }
}

/// A request line as filled for the last persona that asked it: its placeholder values, the
/// filled line, where its tokens end, and what of it is read once.
struct Filled<'p> {
    values: Vec<&'p str>,
    request: Arc<str>,
    ends: Vec<usize>,
    read: Read,
}

/// What a filled line says beyond the words a question borrows from it each time it is asked.
enum Read {
    /// An `aws` line: its condition keys.
    Aws(Context),
    /// An `assume` line: the whole request (its caller owns a name).
    Assume(Question),
    /// A `k8s` line: every field is one of its words ([`k8s_ask`]).
    K8s,
}

impl<'p> Filled<'p> {
    /// Fills `line` with `values` (in `text`, room reused from line to line) and reads what is
    /// read once, with the errors of reading the whole question (`aws_tokens`,
    /// [`assume_tokens`]; a `k8s` line's when it is asked).
    fn new(
        line: &Line<'_>,
        values: &[Option<&'p str>],
        kind: &str,
        role: &str,
        text: &mut String,
    ) -> Result<Self, String> {
        let mut ends = Vec::with_capacity(line.tokens.len());
        let read = fill_and_read(line, values, (kind, role), text, &mut ends)?;
        let values = line.vars.iter().filter_map(|n| values.get(*n).copied().flatten()).collect();
        Ok(Filled { values, request: Arc::from(text.as_str()), ends, read })
    }

    /// [`Filled::new`] in place, for the next persona whose values differ: its lists are reused.
    fn refill(
        &mut self,
        line: &Line<'_>,
        values: &[Option<&'p str>],
        kind: &str,
        role: &str,
        text: &mut String,
    ) -> Result<(), String> {
        self.read = fill_and_read(line, values, (kind, role), text, &mut self.ends)?;
        self.values.clear();
        self.values.extend(line.vars.iter().filter_map(|n| values.get(*n).copied().flatten()));
        self.request = Arc::from(text.as_str());
        Ok(())
    }

    /// Asks the line's question of `role`.
    fn ask(&self, role: &RoleQuestions<'_>) -> Result<Answer, String> {
        let mut words = words(&self.request, &self.ends);
        match &self.read {
            Read::Aws(context) => {
                let (Some(action), Some(resource)) = (words.next(), words.next()) else {
                    return Err(format!("aws request `{}`: ACTION RESOURCE [context]", self.request));
                };
                Ok(role.ask_iam(&Ask { action, resource, caller: None, context }))
            }
            Read::Assume(question) => Ok(role.ask(question)),
            Read::K8s => Ok(role.ask_kube(&k8s_ask(&self.request, words)?)),
        }
    }
}

/// Fills `line` into `text` and `ends` and reads what a [`Filled`] keeps of it.
fn fill_and_read(
    line: &Line<'_>,
    values: &[Option<&str>],
    (kind, role): (&str, &str),
    text: &mut String,
    ends: &mut Vec<usize>,
) -> Result<Read, String> {
    line.fill(text, ends, values, kind)?;
    let mut tokens = words(text, ends);
    Ok(match line.kind {
        "aws" => {
            let (Some(_action), Some(_resource)) = (tokens.next(), tokens.next()) else {
                return Err(format!("aws request `{text}`: ACTION RESOURCE [context]"));
            };
            Read::Aws(context_of(&tokens.collect::<Vec<&str>>())?)
        }
        "assume" => Read::Assume(assume_tokens(role, &tokens.collect::<Vec<&str>>())?),
        // Read when asked, right after: its errors are those of `k8s_tokens`.
        _ => Read::K8s,
    })
}

/// The tokens of a filled line, by where each ends (a value may hold a space).
fn words<'a>(text: &'a str, ends: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
    let mut start = 0;
    ends.iter().map(move |&end| {
        let word = text.get(start..end).unwrap_or_default();
        start = end + 1;
        word
    })
}

/// The last [`Filled`] of each distinct request line of one persona kind.
type Recent<'p> = Vec<Option<Filled<'p>>>;

/// One check as it is answered, borrowed: what a [`Sink`] reads of it.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    pub expect: Expect,
    /// The number of its entry among the entries of every kind: the same for every persona
    /// whose checks include the entry, and for no other entry.
    pub entry: usize,
    /// The entry's label ([`Check::label`]).
    pub label: &'a Arc<str>,
    /// `aws`, `k8s`, `assume` or `object`.
    pub kind: &'static str,
    /// The filled request line ([`Check::request`]).
    pub request: &'a Arc<str>,
    pub answer: &'a Answer,
}

impl Checked<'_> {
    pub fn met(&self) -> bool {
        self.expect.met(&self.answer.verdict)
    }
}

/// What one run of neighbouring personas makes of their checks as they are answered ([`run_into`]):
/// the checks themselves need not be kept.
pub trait Sink {
    type Out: Send;
    /// The checks of `persona` follow (at most `checks` of them), up to the next persona.
    fn persona(&mut self, persona: &Persona, checks: usize);
    fn check(&mut self, check: Checked<'_>);
    /// What the run gives back, made on the run's own core (and what it drops, dropped there).
    fn finish(self) -> Self::Out;
}

/// Keeps every check ([`run`]).
struct Keep(Vec<PersonaRun>);

impl Sink for Keep {
    type Out = Vec<PersonaRun>;

    fn persona(&mut self, persona: &Persona, checks: usize) {
        // Room for every check of the kind: growing one by one costs more than the unused room.
        self.0.push(PersonaRun { persona: persona.clone(), checks: Vec::with_capacity(checks) });
    }

    fn check(&mut self, c: Checked<'_>) {
        if let Some(run) = self.0.last_mut() {
            let (label, request) = (Arc::clone(c.label), Arc::clone(c.request));
            run.checks.push(Check { expect: c.expect, label, kind: c.kind, request, answer: c.answer.clone() });
        }
    }

    fn finish(self) -> Vec<PersonaRun> {
        self.0
    }
}

/// Asks every check that applies to each persona; `explain`: with each answer's explanation
/// (else every explanation is empty, and the run faster).
pub fn run(
    tasks: &Tasks,
    deployment: &Deployment,
    personas: &[Persona],
    explain: bool,
) -> Result<Vec<PersonaRun>, TasksError> {
    Ok(run_into(tasks, deployment, personas, explain, |_| Keep(Vec::new()))?.concat())
}

/// How many neighbouring personas a core takes at a time ([`run_into`]): small enough that
/// neither core waits long for the other at the end, large enough that a sink's bookkeeping
/// per run is nothing; and below it, the checks are asked on one core.
pub const RUN: usize = 48;

/// [`run`], each check handed to a [`Sink`] as it is answered instead of kept: the personas in
/// runs of [`RUN`] neighbours, each core taking the next run when done with one, each run into
/// its own sink (made by `sink` from the run's personas); what the sinks give back, in the
/// order of the runs. Each persona's checks reach the sink in file order, the personas in their
/// order.
///
/// A request line is filled and read once for a run of personas that give its placeholders the
/// same values (the partition, region and account of every persona, say): the question is the
/// same, and only the role it is asked of changes. A line that several entries of a kind name is
/// asked once per persona.
pub fn run_into<K: Sink>(
    tasks: &Tasks,
    deployment: &Deployment,
    personas: &[Persona],
    explain: bool,
    sink: impl Fn(&[Persona]) -> K + Sync,
) -> Result<Vec<K::Out>, TasksError> {
    let objects = Objects::of(deployment);
    let mut names = Names::default();
    let mut numbered = 0;
    let mut plans: BTreeMap<&str, Plan<'_>> = BTreeMap::new();
    for (kind, sections) in &tasks.personas {
        let plan = plan(sections, &mut names, numbered);
        numbered += plan.entries.len();
        plans.insert(kind.as_str(), plan);
    }
    // Each core with its own prepared deployment (which remembers what it found) and its own
    // last filled lines, from run to run: the answers do not depend on either, so the checks are
    // the same as in one run, in the same order.
    let state = || {
        let ready = if explain { deployment.prepare() } else { deployment.prepare().without_explanations() };
        let recent: BTreeMap<&str, Recent<'_>> =
            plans.iter().map(|(kind, plan)| (*kind, plan.lines.iter().map(|_| None).collect())).collect();
        (ready, recent)
    };
    let runs = crate::par::map_chunks(personas, RUN, state, |(ready, recent), run| {
        let mut out = sink(run);
        for persona in run {
            let (Some(plan), Some(recent)) = (plans.get(persona.kind), recent.get_mut(persona.kind)) else {
                let at = persona.kind.to_owned();
                return Err(TasksError::Check { at, message: "no checks for it".to_owned() });
            };
            run_one(plan, recent, &names, (deployment, &objects, explain), ready, persona, &mut out)?;
        }
        Ok(out.finish())
    });
    runs.into_iter().collect()
}

fn run_one<'p>(
    plan: &Plan<'_>,
    recent: &mut Recent<'p>,
    names: &Names<'_>,
    (deployment, objects, explain): (&Deployment, &Objects<'_>, bool),
    ready: &crate::access::Prepared<'_>,
    persona: &'p Persona,
    sink: &mut impl Sink,
) -> Result<(), TasksError> {
    let role = deployment
        .role(&persona.role_name)
        .map_err(|e| TasksError::Check { at: persona.id(), message: e.to_string() })?;
    let role = ready.of_role(role);
    sink.persona(persona, plan.entries.iter().map(|e| e.requests.len() + e.objects.len()).sum());
    let values = names.values(persona);
    // This persona's answer to each distinct line, once asked.
    let mut answers: Vec<Option<Answer>> = plan.lines.iter().map(|_| None).collect();
    // Room for the filled lines, reused.
    let mut text = String::with_capacity(256);
    for entry in &plan.entries {
        if !when_holds(&entry.when, &persona.facts) {
            continue;
        }
        let err = |message: String| TasksError::Check {
            at: format!("{}.{} {}", persona.kind, entry.expect.word(), entry.label),
            message,
        };
        for &n in &entry.requests {
            let (Some(line), Some(last), Some(answer)) = (plan.lines.get(n), recent.get_mut(n), answers.get_mut(n))
            else {
                continue;
            };
            let same = last.as_ref().is_some_and(|f| {
                f.values.len() == line.vars.len()
                    && f.values.iter().zip(&line.vars).all(|(v, n)| values.get(*n).copied().flatten() == Some(*v))
            });
            let filled = match last {
                Some(filled) => {
                    if !same {
                        filled.refill(line, &values, persona.kind, &persona.role_name, &mut text).map_err(err)?;
                    }
                    filled
                }
                None => {
                    last.insert(Filled::new(line, &values, persona.kind, &persona.role_name, &mut text).map_err(err)?)
                }
            };
            let answer = match answer {
                Some(answer) => answer,
                None => answer.insert(filled.ask(&role).map_err(err)?),
            };
            let (expect, entry, label) = (entry.expect, entry.number, &entry.label);
            sink.check(Checked { expect, entry, label, kind: line.kind, request: &filled.request, answer });
        }
        for line in &entry.objects {
            let mut request = String::with_capacity(line.text.len() + 64);
            line.fill_into(&mut request, &values, persona.kind).map_err(err)?;
            let answer = objects.exists(deployment, persona, &request, explain);
            let (expect, number, label, request) = (entry.expect, entry.number, &entry.label, &request.into());
            sink.check(Checked { expect, entry: number, label, kind: "object", request, answer: &answer });
        }
    }
    Ok(())
}
