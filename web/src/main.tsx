import { createRoot } from 'react-dom/client';
import { Playground } from './components/Playground.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(<Playground />);
