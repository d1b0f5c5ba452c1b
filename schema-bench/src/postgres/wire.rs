//! A counting TCP proxy in front of the PostgreSQL server, for the untimed pass that counts
//! round trips. In PostgreSQL's protocol the client waits for the server at each simple `Query`
//! ('Q') and each `Sync` ('S') it sends (each ends with a `ReadyForQuery`), and at a `Flush`
//! ('H'); sqlx sends no pipeline across them, so their count is the number of round trips.
//! Connection start-ups (with their own exchanges) are counted apart, and so are the pool's
//! pings: a `Sync` with nothing before it (sqlx's pool sends one when it hands out an idle
//! connection and one when it takes it back).

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the clients sent through the proxy so far.
#[derive(Default, Debug)]
struct Counts {
    round_trips: AtomicU64,
    pings: AtomicU64,
    connections: AtomicU64,
}

/// The counts at one moment; the difference of two is what happened in between.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// Every round trip, pings included.
    pub round_trips: u64,
    pub pings: u64,
    pub connections: u64,
}

impl std::ops::Sub for Snapshot {
    type Output = Snapshot;
    fn sub(self, before: Snapshot) -> Snapshot {
        Snapshot {
            round_trips: self.round_trips - before.round_trips,
            pings: self.pings - before.pings,
            connections: self.connections - before.connections,
        }
    }
}

/// The proxy, listening on 127.0.0.1 until dropped.
pub struct Proxy {
    pub port: u16,
    counts: Arc<Counts>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards each connection to `host:port`.
    pub async fn start(host: &str, port: u16) -> io::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let local = listener.local_addr()?.port();
        let counts = Arc::new(Counts::default());
        let upstream = (host.to_owned(), port);
        let shared = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counts = shared.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let _ = serve(client, upstream, counts).await;
                });
            }
        });
        Ok(Proxy {
            port: local,
            counts,
            task,
        })
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            round_trips: self.counts.round_trips.load(Ordering::SeqCst),
            pings: self.counts.pings.load(Ordering::SeqCst),
            connections: self.counts.connections.load(Ordering::SeqCst),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forwards one connection both ways, counting the client's messages before forwarding them
/// (so that they are counted by the time the client has its answer).
async fn serve(client: TcpStream, upstream: (String, u16), counts: Arc<Counts>) -> io::Result<()> {
    let server = TcpStream::connect((upstream.0.as_str(), upstream.1)).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    counts.connections.fetch_add(1, Ordering::SeqCst);
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let down = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
        let _ = to_client.shutdown().await;
    });
    let mut parser = Parser::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from_client.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        parser.feed(&buf[..n], &counts);
        to_server.write_all(&buf[..n]).await?;
    }
    let _ = to_server.shutdown().await;
    let _ = down.await;
    Ok(())
}

/// Splits the client's byte stream into protocol messages: first the untyped start-up ones
/// (`SSLRequest`, `GSSENCRequest`, then the `StartupMessage`), then typed ones.
#[derive(Default)]
struct Parser {
    pending: Vec<u8>,
    started: bool,
    /// Messages since the last one the client waits at.
    since_wait: usize,
}

const SSL_REQUEST: u32 = 80877103;
const GSSENC_REQUEST: u32 = 80877104;
const CANCEL_REQUEST: u32 = 80877102;

impl Parser {
    fn feed(&mut self, data: &[u8], counts: &Counts) {
        self.pending.extend_from_slice(data);
        let word = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let mut at = 0;
        loop {
            let rest = &self.pending[at..];
            if !self.started {
                if rest.len() < 8 || rest.len() < word(rest) {
                    break;
                }
                let code = word(&rest[4..]) as u32;
                if !matches!(code, SSL_REQUEST | GSSENC_REQUEST | CANCEL_REQUEST) {
                    self.started = true;
                }
                at += word(rest).max(8);
            } else {
                if rest.len() < 5 || rest.len() < 1 + word(&rest[1..]) {
                    break;
                }
                if matches!(rest[0], b'Q' | b'S' | b'H') {
                    counts.round_trips.fetch_add(1, Ordering::SeqCst);
                    if rest[0] == b'S' && self.since_wait == 0 {
                        counts.pings.fetch_add(1, Ordering::SeqCst);
                    }
                    self.since_wait = 0;
                } else {
                    self.since_wait += 1;
                }
                at += 1 + word(&rest[1..]).max(4);
            }
        }
        self.pending.drain(..at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_queries_and_syncs_after_the_startup() {
        let counts = Counts::default();
        let mut p = Parser::default();
        let mut stream = Vec::new();
        // StartupMessage: length, protocol 3.0, "user\0postgres\0\0".
        let body = b"user\0postgres\0\0";
        stream.extend_from_slice(&((8 + body.len()) as u32).to_be_bytes());
        stream.extend_from_slice(&196608u32.to_be_bytes());
        stream.extend_from_slice(body);
        let msg = |t: u8, body: &[u8]| {
            let mut m = vec![t];
            m.extend_from_slice(&((4 + body.len()) as u32).to_be_bytes());
            m.extend_from_slice(body);
            m
        };
        stream.extend(msg(b'Q', b"SELECT 1\0"));
        stream.extend(msg(b'P', b"\0SELECT $1\0\0\0"));
        stream.extend(msg(b'S', b""));
        stream.extend(msg(b'S', b""));
        // Fed byte by byte: messages split anywhere are still counted once.
        for b in &stream {
            p.feed(std::slice::from_ref(b), &counts);
        }
        assert_eq!(counts.round_trips.load(Ordering::SeqCst), 3);
        assert_eq!(counts.pings.load(Ordering::SeqCst), 1);
        assert!(p.pending.is_empty());
    }
}
