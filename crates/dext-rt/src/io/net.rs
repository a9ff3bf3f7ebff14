//! Async TCP: [`TcpListener`] and [`TcpStream`] on the worker's epoll.
//!
//! Both are registered with the epoll of the worker that creates them (see the reactor docs)
//! and may be used from any task afterwards. Methods take `&self`, so one task can read while
//! another writes the same stream.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

use dext_sys::io as sysio;
use dext_sys::socket::{ListenOptions, Socket};

use super::reactor::Registration;
use crate::worker;

fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address to use"));
    }
    Ok(addrs)
}

/// A socket plus its registration; deregisters before the socket closes.
struct Source {
    reg: Option<Registration>,
    sock: Socket,
}

impl Source {
    fn new(sock: Socket) -> io::Result<Source> {
        let reg = Registration::new(sock.as_fd())?;
        Ok(Source { reg: Some(reg), sock })
    }

    #[inline]
    fn reg(&self) -> &Registration {
        // `reg` is Some from construction until drop.
        self.reg.as_ref().expect("registration present until drop")
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Some(reg) = self.reg.take() {
            reg.deregister(self.sock.as_fd());
        }
    }
}

/// A TCP listening socket.
pub struct TcpListener {
    src: Source,
}

impl TcpListener {
    /// Binds to `addr` with `SO_REUSEADDR` (the first address that works).
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        Self::bind_with(addr, &ListenOptions::default())
    }

    /// Binds with `SO_REUSEPORT`, so that each worker can own a listener on the same port and
    /// the kernel spreads connections across them. On a pinned worker the listener also sets
    /// `SO_INCOMING_CPU` to that worker's CPU.
    pub fn bind_reuseport(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let cpu = worker::with_current(|c| c.and_then(|c| c.shared.cpu));
        Self::bind_with(addr, &ListenOptions { reuse_port: true, incoming_cpu: cpu, ..ListenOptions::default() })
    }

    /// Binds with explicit socket options.
    pub fn bind_with(addr: impl ToSocketAddrs, opts: &ListenOptions) -> io::Result<TcpListener> {
        let mut last = None;
        for a in resolve(addr)? {
            match Socket::listen_tcp(&a, opts) {
                Ok(sock) => return Ok(TcpListener { src: Source::new(sock)? }),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("bind failed")))
    }

    /// Takes over a bound, listening std listener (switched to non-blocking).
    pub fn from_std(l: std::net::TcpListener) -> io::Result<TcpListener> {
        l.set_nonblocking(true)?;
        Ok(TcpListener { src: Source::new(Socket::from(OwnedFd::from(l)))? })
    }

    /// Accepts a connection: the stream (non-blocking, `TCP_NODELAY` set) and the peer.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (sock, peer) = poll_fn(|cx| self.poll_accept(cx)).await?;
        sock.set_nodelay(true)?;
        Ok((TcpStream { src: Source::new(sock)? }, peer))
    }

    /// Polls for one connection, without registering it (see [`TcpListener::accept`]).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(Socket, SocketAddr)>> {
        // A successful accept keeps readiness: more connections may be queued.
        self.src.reg().poll_read_io(cx, || (self.src.sock.accept(), false))
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.src.sock.local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener").field("fd", &self.src.sock.as_raw_fd()).finish()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.src.sock.as_raw_fd()
    }
}

/// A TCP connection.
pub struct TcpStream {
    src: Source,
}

impl TcpStream {
    /// Connects to `addr` (the first address that accepts), with `TCP_NODELAY` set.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for a in resolve(addr)? {
            match Self::connect_one(&a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("connect failed")))
    }

    async fn connect_one(addr: &SocketAddr) -> io::Result<TcpStream> {
        let sock = Socket::tcp_for(addr)?;
        let done = sock.connect(addr)?;
        if done {
            sock.set_nodelay(true)?;
            return Ok(TcpStream { src: Source::new(sock)? });
        }
        let reg = Registration::connecting(sock.as_fd())?;
        let stream = TcpStream { src: Source { reg: Some(reg), sock } };
        // Writability (or an error/hang-up) ends the handshake; SO_ERROR says how, and a
        // peer address confirms success.
        poll_fn(|cx| {
            loop {
                let ev = match stream.src.reg().poll_write_ready(cx) {
                    Poll::Ready(ev) => ev,
                    Poll::Pending => return Poll::Pending,
                };
                if let Some(e) = stream.src.sock.take_error()? {
                    return Poll::Ready(Err(e));
                }
                match stream.src.sock.peer_addr() {
                    Ok(_) => return Poll::Ready(Ok(())),
                    // ENOTCONN: the handshake has not finished yet.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => stream.src.reg().clear_write(ev),
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        })
        .await?;
        stream.src.sock.set_nodelay(true)?;
        Ok(stream)
    }

    /// Takes over a connected std stream (switched to non-blocking).
    pub fn from_std(s: std::net::TcpStream) -> io::Result<TcpStream> {
        s.set_nonblocking(true)?;
        Ok(TcpStream { src: Source::new(Socket::from(OwnedFd::from(s)))? })
    }

    /// Polls a read into `buf`. `Ok(0)` is end of stream (or an empty `buf`).
    #[inline]
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let fd = self.src.sock.as_fd();
        let len = buf.len();
        self.src.reg().poll_read_io(cx, || {
            let r = sysio::read(fd, buf);
            // A short, non-zero read drained the socket (see the reactor docs).
            let drained = matches!(r, Ok(n) if n > 0 && n < len);
            (r, drained)
        })
    }

    /// Reads without waiting: `Err(WouldBlock)` when nothing is there (known from the
    /// readiness, or found by the read, which then clears it). Registers no waker and is not
    /// charged to the task's cooperative budget: for a task that polls afterwards when it finds
    /// nothing (for example with [`TcpStream::poll_read_ready`]). On a stream that has hung up
    /// (or failed) and holds nothing, `Ok(0)`, as a read would give.
    #[inline]
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let fd = self.src.sock.as_fd();
        let len = buf.len();
        self.src.reg().try_read_io(0, || {
            let r = sysio::read(fd, buf);
            let drained = matches!(r, Ok(n) if n > 0 && n < len);
            (r, drained)
        })
    }

    /// Polls until the stream may be readable, without reading (a server can wait so with no
    /// buffer held). Readiness is cleared only by a read that finds nothing, so a `Ready`
    /// here can be followed by a read that waits.
    #[inline]
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.src.reg().poll_read_ready(cx)
    }

    /// Polls a vectored read.
    pub fn poll_read_vectored(&self, cx: &mut Context<'_>, bufs: &mut [IoSliceMut<'_>]) -> Poll<io::Result<usize>> {
        let fd = self.src.sock.as_fd();
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        self.src.reg().poll_read_io(cx, || {
            let r = sysio::readv(fd, bufs);
            let drained = matches!(r, Ok(n) if n > 0 && n < len);
            (r, drained)
        })
    }

    /// Polls a write of `buf`; returns how much was written.
    #[inline]
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let fd = self.src.sock.as_fd();
        self.src.reg().poll_write_io(cx, || {
            let r = sysio::write(fd, buf);
            // A short write means the send buffer is full: wait for the next edge.
            let drained = matches!(r, Ok(n) if n < buf.len());
            (r, drained)
        })
    }

    /// Polls a vectored write (`writev`).
    pub fn poll_write_vectored(&self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let fd = self.src.sock.as_fd();
        let len: usize = bufs.iter().take(sysio::MAX_IOVECS).map(|b| b.len()).sum();
        self.src.reg().poll_write_io(cx, || {
            let r = sysio::writev(fd, bufs);
            let drained = matches!(r, Ok(n) if n < len);
            (r, drained)
        })
    }

    /// Reads into `buf`; `Ok(0)` is end of stream.
    #[inline]
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes, or fails with `UnexpectedEof`.
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            match self.read(&mut buf[done..]).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(())
    }

    /// Vectored read (`readv`).
    pub async fn readv(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_vectored(cx, bufs)).await
    }

    /// Writes some of `buf`; returns how much.
    #[inline]
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Vectored write (`writev`); returns how much was written.
    pub async fn writev(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_vectored(cx, bufs)).await
    }

    /// Writes every byte of `bufs`, with as few `writev` calls as the socket allows. The
    /// slices are advanced in place.
    pub async fn writev_all(&self, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
        // Skip leading empty slices.
        IoSlice::advance_slices(&mut bufs, 0);
        while !bufs.is_empty() {
            match self.writev(bufs).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => IoSlice::advance_slices(&mut bufs, n),
            }
        }
        Ok(())
    }

    /// Shuts down the read half, the write half (sends FIN) or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.src.sock.shutdown(how)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.src.sock.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.src.sock.local_addr()
    }

    /// Sets `TCP_NODELAY` (on by default for Dext streams).
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.src.sock.set_nodelay(on)
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.src.sock.nodelay()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.src.sock.as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.src.sock.as_raw_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream").field("fd", &self.src.sock.as_raw_fd()).finish()
    }
}

#[cfg(feature = "futures-io")]
mod futures_io_impls {
    use std::io::{self, IoSlice, IoSliceMut};
    use std::net::Shutdown;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::TcpStream;

    impl futures_io::AsyncRead for TcpStream {
        fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            TcpStream::poll_read(&self, cx, buf)
        }
        fn poll_read_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &mut [IoSliceMut<'_>],
        ) -> Poll<io::Result<usize>> {
            TcpStream::poll_read_vectored(&self, cx, bufs)
        }
    }

    impl futures_io::AsyncWrite for TcpStream {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            TcpStream::poll_write(&self, cx, buf)
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            TcpStream::poll_write_vectored(&self, cx, bufs)
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            // Writes go straight to the socket; there is no user-space buffer to flush.
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(self.shutdown(Shutdown::Write))
        }
    }

    impl futures_io::AsyncRead for &TcpStream {
        fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            TcpStream::poll_read(&self, cx, buf)
        }
    }

    impl futures_io::AsyncWrite for &TcpStream {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            TcpStream::poll_write(&self, cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(self.shutdown(Shutdown::Write))
        }
    }
}
