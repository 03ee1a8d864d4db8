export { ChannelPost, createChannelPoster, type ChannelPoster } from './channel-post';
export { asksWhatIsNeeded, createTelegram, languageOf, telegramRoutes, type Telegram } from './telegram';
