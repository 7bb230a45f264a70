//! The Rust API in a Rust wasm app (a workers-rs Worker, a Leptos or Yew admin tool, a
//! wasm-bindgen library): client, poller and import over `vomo_users::web`. docs/rust.md
//! walks through it; tests/wasm_node.rs runs `sync` against the simulator.
//! Build: `cargo build --target wasm32-unknown-unknown --example web_client`.

#[cfg(target_arch = "wasm32")]
pub mod app {
    use std::cell::Cell;
    use std::rc::Rc;
    use vomo_users::client::{ClientConfig, Filters, UpsertInput};
    use vomo_users::import::{import_roster, ImportOptions, RosterRecord};
    use vomo_users::poller::{Event, HandlerFailure, Handlers, Poller, PollerConfig};
    use vomo_users::web::{AbortController, MemoryMapping, MemoryStore, WebCall, WebRuntime};
    use vomo_users::{ErrorKind, Result};

    /// The application's side of the poller: here it counts the users it is handed.
    #[derive(Clone, Default)]
    pub struct CountUsers(pub Rc<Cell<usize>>);

    impl Handlers for CountUsers {
        async fn deliver(&self, event: &Event) -> std::result::Result<(), HandlerFailure> {
            if let Event::User(_) = event {
                self.0.set(self.0.get() + 1);
            }
            Ok(())
        }
    }

    /// What one run did.
    #[derive(Debug)]
    pub struct Summary {
        pub listed: usize,
        pub created: bool,
        pub rejected_fields: Vec<String>,
        pub delivered: usize,
        pub imported: usize,
    }

    pub async fn sync(base_url: &str, token: &str, email: &str) -> Result<Summary> {
        // The client: the global fetch (or `.with_fetch(f)`), hooks as Rust closures.
        let runtime = WebRuntime::new()
            .with_user_agent("my-app/1.0")
            .on_warning(|w| debug(&format!("vomo warning: {w}")))
            .on_log(|a| debug(&format!("{} {} -> {:?} in {:.0} ms", a.method, a.path, a.status, a.duration_ms)));
        let mut config = ClientConfig::new(token);
        config.base_url = base_url.to_string();
        let client = Rc::new(vomo_users::web::client(config, runtime)?);

        // Every call takes a WebCall: an AbortSignal and per-call limits.
        let controller = AbortController::new().expect("AbortController");
        let call = WebCall::new().with_signal(controller.signal()).with_timeout_ms(10_000.0);

        let users = client.list_all(&Filters::default(), &call).await?;
        let input = UpsertInput {
            first_name: Some("Nia".into()),
            last_name: Some("Okafor".into()),
            email: Some(email.into()),
            ..Default::default()
        };
        let outcome = client.upsert_user(&input, &call).await?;
        // The server's field errors come back as a VomoError of kind Validation.
        let weak = UpsertInput { password: Some("short".into()), ..input.clone() };
        let rejected_fields = match client.upsert_user(&weak, &call).await {
            Err(e) if e.kind == ErrorKind::Validation => e.fields.unwrap_or_default().into_keys().collect(),
            other => panic!("expected a 422, got {other:?}"),
        };

        // The poller: a store (MemoryStore here; a Durable Object's storage in a Worker).
        let counter = CountUsers::default();
        let poller = Poller::new(client.clone(), MemoryStore::new(), counter.clone(), PollerConfig::new("acme", "example"))?;
        poller.poll(None, &call).await?;

        // The import: resumable with a store and a key, email changes through a mapping.
        let roster = vec![RosterRecord { external_id: Some("crm-1".into()), input, line: None }];
        let (store, mapping) = (MemoryStore::new(), MemoryMapping::new());
        let options = ImportOptions {
            store: Some(&store),
            key: Some("roster".into()),
            checkpoint_every: 50,
            max_consecutive_failures: vomo_users::import::DEFAULT_MAX_CONSECUTIVE_FAILURES,
            mapping: Some(&mapping),
            previous_base_url: None,
            mapping_lease: true,
        };
        let result = import_roster(&client, &roster, &options, &|p| debug(&format!("{}/{}", p.done, p.total)), &call).await?;

        Ok(Summary {
            listed: users.len(),
            created: outcome.created,
            rejected_fields,
            delivered: counter.0.get(),
            imported: result.created.len() + result.updated.len(),
        })
    }

    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = console, js_name = debug)]
        fn debug(line: &str);
    }
}

fn main() {}
