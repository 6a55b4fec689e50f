//! [`ScrubPersonalData`], the layer that scrubs every field before the output sees it.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use tracing::field::{DisplayValue, Field, Value, Visit, display};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::scrub_personal_data;

/// Wraps an output layer so that every field of every event and span reaches it scrubbed by
/// [`scrub_personal_data`]. Scrubbing the fields rather than the finished line leaves the
/// output's own timestamp, level and target alone (a timestamp's `yyyy-mm-dd` is no one's
/// birthday) and works the same for the terminal and the journal, whose layer writes no lines.
///
/// Strings stay strings and numbers stay numbers unless a number looks like an ID; `Debug`
/// and error values are formatted, scrubbed, and passed on as text.
pub struct ScrubPersonalData<L> {
    inner: L,
}

impl<L> ScrubPersonalData<L> {
    /// Scrubs what reaches `inner`.
    pub fn new(inner: L) -> Self {
        Self { inner }
    }
}

impl<S, L> Layer<S> for ScrubPersonalData<L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    L: Layer<S>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        self.inner.on_register_dispatch(subscriber);
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.inner.on_layer(subscriber);
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.inner.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.enabled(metadata, ctx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.inner.max_level_hint()
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.event_enabled(event, ctx)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        let fields = ScrubbedFields::recorded(metadata, |visitor| attrs.record(visitor));
        let values = fields.values();
        let value_set = metadata.fields().value_set_all(&values);
        let scrubbed = match attrs.parent() {
            Some(parent) => Attributes::child_of(parent.clone(), metadata, &value_set),
            None if attrs.is_root() => Attributes::new_root(metadata, &value_set),
            None => Attributes::new(metadata, &value_set),
        };
        self.inner.on_new_span(&scrubbed, id, ctx);
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        // Without the span's metadata the values cannot be rebuilt; dropping them loses a
        // log detail, passing them on unscrubbed could leak.
        let Some(metadata) = ctx.metadata(span) else {
            return;
        };
        let fields = ScrubbedFields::recorded(metadata, |visitor| values.record(visitor));
        let scrubbed_values = fields.values();
        let value_set = metadata.fields().value_set_all(&scrubbed_values);
        self.inner.on_record(span, &Record::new(&value_set), ctx);
    }

    fn on_follows_from(&self, span: &Id, follows: &Id, ctx: Context<'_, S>) {
        self.inner.on_follows_from(span, follows, ctx);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let fields = ScrubbedFields::recorded(metadata, |visitor| event.record(visitor));
        let values = fields.values();
        let value_set = metadata.fields().value_set_all(&values);
        let scrubbed = if event.is_contextual() {
            Event::new(metadata, &value_set)
        } else {
            Event::new_child_of(event.parent().cloned(), metadata, &value_set)
        };
        self.inner.on_event(&scrubbed, ctx);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_exit(id, ctx);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        self.inner.on_close(id, ctx);
    }

    fn on_id_change(&self, old: &Id, new: &Id, ctx: Context<'_, S>) {
        self.inner.on_id_change(old, new, ctx);
    }
}

/// A field's value after scrubbing, kept in a form the output formats as it would have
/// formatted the original.
enum ScrubbedValue {
    Bool(bool),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    /// A string field: printed quoted by the terminal output, as the original was.
    Str(String),
    /// A `Debug`, `Display` or error value, already formatted: printed as it stands.
    Text(DisplayValue<String>),
    Bytes(Box<[u8]>),
}

impl ScrubbedValue {
    fn as_value(&self) -> &dyn Value {
        match self {
            ScrubbedValue::Bool(value) => value,
            ScrubbedValue::I64(value) => value,
            ScrubbedValue::U64(value) => value,
            ScrubbedValue::I128(value) => value,
            ScrubbedValue::U128(value) => value,
            ScrubbedValue::F64(value) => value,
            ScrubbedValue::Str(value) => value,
            ScrubbedValue::Text(value) => value,
            ScrubbedValue::Bytes(value) => value,
        }
    }

    fn text(text: &str) -> Self {
        ScrubbedValue::Text(display(scrub_personal_data(text).into_owned()))
    }

    /// A number stays a number unless its digits look like an ID or a date.
    fn number(value: impl fmt::Display, keep: ScrubbedValue) -> Self {
        let digits = value.to_string();
        match scrub_personal_data(&digits) {
            Cow::Borrowed(_) => keep,
            Cow::Owned(scrubbed) => ScrubbedValue::Text(display(scrubbed)),
        }
    }
}

/// The scrubbed values of one event or span, in the order of its callsite's fields.
struct ScrubbedFields {
    values: Vec<Option<ScrubbedValue>>,
}

impl ScrubbedFields {
    fn recorded(metadata: &Metadata<'_>, record: impl FnOnce(&mut dyn Visit)) -> Self {
        let mut fields = ScrubbedFields {
            values: (0..metadata.fields().len()).map(|_| None).collect(),
        };
        record(&mut fields);
        fields
    }

    /// The values in the shape `FieldSet::value_set_all` takes: one per field, `None` for a
    /// field without a value.
    fn values(&self) -> Vec<Option<&dyn Value>> {
        self.values
            .iter()
            .map(|value| value.as_ref().map(ScrubbedValue::as_value))
            .collect()
    }

    fn set(&mut self, field: &Field, value: ScrubbedValue) {
        if let Some(slot) = self.values.get_mut(field.index()) {
            *slot = Some(value);
        }
    }
}

impl Visit for ScrubbedFields {
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, ScrubbedValue::Bool(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::I64(value)),
        );
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::U64(value)),
        );
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::I128(value)),
        );
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::U128(value)),
        );
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::F64(value)),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let scrubbed = scrub_personal_data(value).into_owned();
        self.set(field, ScrubbedValue::Str(scrubbed));
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        let scrubbed = match std::str::from_utf8(value).map(scrub_personal_data) {
            Ok(Cow::Owned(text)) => ScrubbedValue::Text(display(text)),
            _ => ScrubbedValue::Bytes(value.into()),
        };
        self.set(field, scrubbed);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn StdError + 'static)) {
        // The whole chain on one line, since the output only sees the text we pass on.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.set(field, ScrubbedValue::text(&text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set(field, ScrubbedValue::text(&format!("{value:?}")));
    }
}
