//! What `#[schema_runtime::test]` expands to the call of: a runtime, the database, the test's
//! body, and the database dropped whatever the body did.

use super::{TestOptions, TestPool};
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `test` on a current-thread tokio runtime with a pool on a database of its own made as
/// `options` say, then drops the database, also when `test` panics (the panic is resumed
/// after, so `#[should_panic]` works). A database that cannot be made fails the test with the
/// cause and the way out.
pub fn run<P, F, Fut>(options: TestOptions, test: F) -> Fut::Output
where
    P: TestPool,
    F: FnOnce(P) -> Fut,
    Fut: Future,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("cannot start the test's tokio runtime: {e}"),
    };
    runtime.block_on(async {
        let db = match P::create(&options).await {
            Ok(db) => db,
            Err(e) => panic!("{}", e.report()),
        };
        let outcome = CatchUnwind(Box::pin(test(db.pool().clone()))).await;
        let closed = db.close().await;
        match (outcome, closed) {
            (Err(panic), closed) => {
                if let Err(e) = closed {
                    eprintln!("after the test panicked, {}", e.report());
                }
                resume_unwind(panic)
            }
            (Ok(_), Err(e)) => panic!("{}", e.report()),
            (Ok(output), Ok(())) => output,
        }
    })
}

/// `future`'s output, or the panic that polling it raised.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
